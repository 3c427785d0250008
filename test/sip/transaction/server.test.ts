import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
} from '../../../src/sip/transaction/index.js';

import { InvalidTransitionError } from '../../../src/shared/state-machine.js';
import type { ServerTransaction } from '../../../src/sip/transaction/index.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { Source } from '../../../src/sip/transport/index.js';
import { flush, isStatus, request, setup } from './fixtures.js';

const FROM_UDP: Source = { protocol: 'udp', address: '192.0.2.1', port: 5060 };
const FROM_TCP: Source = { protocol: 'tcp', address: '192.0.2.1', port: 40000, connectionId: 3 };

function serverTx(
  layer: ReturnType<typeof setup>['layer'],
  req: SipRequest,
  source: Source,
): ServerTransaction {
  const r = layer.receiveRequest(req, source);
  if (r.kind !== 'new') throw new Error(`expected a new transaction, got ${r.kind}`);
  return r.tx;
}

function inviteTx(
  layer: ReturnType<typeof setup>['layer'],
  source = FROM_UDP,
): InviteServerTransaction {
  const tx = serverTx(layer, request('INVITE'), source);
  if (!(tx instanceof InviteServerTransaction)) throw new Error('expected an INVITE transaction');
  return tx;
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 Trying when the TU is silent for 200 ms', () => {
    const { clock, transport, layer } = setup();
    const tx = inviteTx(layer);
    clock.advance(199);
    expect(transport.sent).toHaveLength(0);
    clock.advance(1);
    expect(transport.times(isStatus(100))).toEqual([200]);
    const trying = transport.sent[0]?.message;
    expect(trying?.headers.get('To')).toBe('Bob <sip:bob@example.com>');
    expect(tx.state).toBe('Proceeding');
  });

  it('sends no 100 Trying when the TU answers within 200 ms', () => {
    const { clock, transport, layer } = setup();
    const tx = inviteTx(layer);
    clock.advance(150);
    tx.respond(buildReply(tx.request, 180, 'Ringing', 'b1'));
    clock.advance(1000);
    expect(
      transport.sent.map((s) => (s.message.kind === 'response' ? s.message.status : 0)),
    ).toEqual([180]);
  });

  it('resends the last provisional response for a retransmitted INVITE in Proceeding', () => {
    const { clock, transport, layer } = setup();
    const tx = inviteTx(layer);
    tx.respond(buildReply(tx.request, 180, 'Ringing', 'b1'));
    clock.advance(500);
    expect(layer.receiveRequest(request('INVITE'), FROM_UDP)).toEqual({ kind: 'absorbed' });
    expect(transport.times(isStatus(180))).toEqual([0, 500]);
  });

  it('over UDP retransmits a non-2xx final after a provisional with Timer G capped at T2 and ends at Timer H', () => {
    const { clock, transport, layer } = setup({ t1: 500, t2: 4000 });
    const tx = inviteTx(layer);
    let timeouts = 0;
    tx.user = { onTimeout: () => timeouts++ };
    tx.respond(buildReply(tx.request, 180, 'Ringing', 'b1'));
    tx.respond(buildReply(tx.request, 486, 'Busy Here', 'b1'));
    expect(tx.state).toBe('Completed');
    clock.advance(40_000);
    expect(transport.times(isStatus(486))).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(timeouts).toBe(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().inviteServer).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('answers an immediate non-2xx once per INVITE received: no Timer G toward a client still retransmitting', () => {
    const { clock, transport, layer } = setup({ t1: 500, t2: 4000 });
    const tx = inviteTx(layer);
    tx.respond(buildReply(tx.request, 407, 'Proxy Authentication Required', 'b1'));
    clock.advance(1000);
    // The client's Timer A retransmissions each get the same single answer.
    expect(layer.receiveRequest(request('INVITE'), FROM_UDP)).toEqual({ kind: 'absorbed' });
    clock.advance(40_000);
    expect(transport.times(isStatus(407))).toEqual([0, 1000]);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });

  it('absorbs the ACK for a non-2xx (Confirmed) and ends at Timer I = T4 on UDP', () => {
    const { clock, transport, layer } = setup({ t4: 5000 });
    const tx = inviteTx(layer);
    tx.respond(buildReply(tx.request, 183, 'Session Progress', 'b1'));
    tx.respond(buildReply(tx.request, 404, 'Not Found', 'b1'));
    clock.advance(700);
    expect(layer.receiveRequest(request('ACK', { toTag: 'b1' }), FROM_UDP)).toEqual({
      kind: 'absorbed',
    });
    expect(tx.state).toBe('Confirmed');
    clock.advance(1000);
    expect(layer.receiveRequest(request('ACK', { toTag: 'b1' }), FROM_UDP)).toEqual({
      kind: 'absorbed',
    });
    expect(transport.times(isStatus(404))).toEqual([0, 500]);
    clock.advance(3999);
    expect(tx.state).toBe('Confirmed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });

  it('over TCP never retransmits and uses Timer I = 0', () => {
    const { clock, transport, layer } = setup();
    const tx = inviteTx(layer, FROM_TCP);
    tx.respond(buildReply(tx.request, 603, 'Decline', 'b1'));
    clock.advance(10_000);
    expect(transport.times(isStatus(603))).toEqual([0]);
    expect(transport.sent[0]?.to).toEqual(FROM_TCP);
    layer.receiveRequest(request('ACK', { toTag: 'b1' }), FROM_TCP);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });

  it('RFC 6026: Accepted lets the TU retransmit 2xx, absorbs INVITEs, passes ACKs up, ends at L', () => {
    const { clock, transport, layer } = setup({ t1: 500 });
    const tx = inviteTx(layer);
    const ok = buildReply(tx.request, 200, 'OK', 'b1');
    tx.respond(ok);
    expect(tx.state).toBe('Accepted');
    clock.advance(500);
    tx.respond(ok);
    expect(layer.receiveRequest(request('INVITE'), FROM_UDP)).toEqual({ kind: 'absorbed' });
    expect(transport.times(isStatus(200))).toEqual([0, 500]);
    // An ACK reusing the INVITE's branch matches the transaction, yet is the TU's.
    expect(layer.receiveRequest(request('ACK', { toTag: 'b1' }), FROM_UDP)).toEqual({
      kind: 'ack',
    });
    // The usual ACK for a 2xx has a branch of its own.
    expect(
      layer.receiveRequest(request('ACK', { toTag: 'b1', branch: 'z9hG4bK-ack' }), FROM_UDP),
    ).toEqual({ kind: 'ack' });
    expect(() => tx.respond(buildReply(tx.request, 486, 'Busy Here', 'b1'))).toThrow(
      InvalidTransitionError,
    );
    clock.advance(64 * 500 - 501);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(() => tx.respond(ok)).toThrow(InvalidTransitionError);
    expect(clock.pending).toBe(0);
    expect(layer.stats().inviteServer).toBe(0);
  });

  it('throws when the TU sends a second final response', () => {
    const { layer } = setup();
    const tx = inviteTx(layer);
    tx.respond(buildReply(tx.request, 486, 'Busy Here', 'b1'));
    expect(() => tx.respond(buildReply(tx.request, 200, 'OK', 'b1'))).toThrow(
      InvalidTransitionError,
    );
    expect(() => tx.respond(buildReply(tx.request, 180, 'Ringing', 'b1'))).toThrow(
      InvalidTransitionError,
    );
  });

  it('reports a transport error and terminates', async () => {
    const { clock, transport, layer } = setup();
    transport.failing = new Error('connection gone');
    const tx = inviteTx(layer, FROM_TCP);
    const errors: Error[] = [];
    tx.user = { onTransportError: (e) => errors.push(e) };
    tx.respond(buildReply(tx.request, 180, 'Ringing', 'b1'));
    await flush();
    expect(errors.map((e) => e.message)).toEqual(['connection gone']);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('drops retransmissions in Trying, resends the last response later, ends at J = 64*T1', () => {
    const { clock, transport, layer } = setup({ t1: 500 });
    const tx = serverTx(layer, request('OPTIONS'), FROM_UDP);
    expect(tx).toBeInstanceOf(NonInviteServerTransaction);
    expect(tx.state).toBe('Trying');
    layer.receiveRequest(request('OPTIONS'), FROM_UDP);
    expect(transport.sent).toHaveLength(0);
    tx.respond(buildReply(tx.request, 183, 'Progress', 'b1'));
    expect(tx.state).toBe('Proceeding');
    layer.receiveRequest(request('OPTIONS'), FROM_UDP);
    clock.advance(100);
    tx.respond(buildReply(tx.request, 200, 'OK', 'b1'));
    expect(tx.state).toBe('Completed');
    clock.advance(100);
    layer.receiveRequest(request('OPTIONS'), FROM_UDP);
    expect(transport.times(isStatus(183))).toEqual([0, 0]);
    expect(transport.times(isStatus(200))).toEqual([100, 200]);
    expect(() => tx.respond(buildReply(tx.request, 500, 'Oops', 'b1'))).toThrow(
      InvalidTransitionError,
    );
    clock.advance(64 * 500 - 101);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().nonInviteServer).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('over TCP uses Timer J = 0', () => {
    const { clock, layer } = setup();
    const tx = serverTx(layer, request('REGISTER'), FROM_TCP);
    tx.respond(buildReply(tx.request, 200, 'OK', 'b1'));
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().nonInviteServer).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
