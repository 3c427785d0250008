/**
 * Finished transactions waiting out Timers D, J and K (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.2)
 * linger as small records: they must still answer retransmissions exactly as before, end at the
 * same instant, and no longer keep the transaction object (its request and TU) alive.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { serializeMessage } from '../../../src/sip/message/index.js';
import type { SipMessage } from '../../../src/sip/message/index.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { Source } from '../../../src/sip/transport/index.js';
import {
  TCP,
  UDP,
  flush,
  isRequest,
  isStatus,
  recorder,
  request,
  response,
  setup,
} from './fixtures.js';

const SRC: Source = { protocol: 'udp', address: '192.0.2.1', port: 5060 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage once the current job has ended (WeakRef targets survive the job). */
async function collect(): Promise<void> {
  await flush();
  gc();
  await flush();
}

const bytes = (m: SipMessage): string => serializeMessage(m).toString('latin1');

describe('lingering non-INVITE server transaction (Timer J)', () => {
  it('resends the same final response for each retransmission until J, then forgets it', () => {
    const { clock, transport, layer } = setup();
    const register = request('REGISTER');
    const incoming = layer.receiveRequest(register, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    const tx = incoming.tx;
    tx.respond(buildReply(register, 200, 'OK'));
    expect(tx.state).toBe('Completed');
    clock.advance(10_000);
    expect(layer.receiveRequest(request('REGISTER'), SRC).kind).toBe('absorbed');
    clock.advance(21_999);
    expect(layer.receiveRequest(request('REGISTER'), SRC).kind).toBe('absorbed');
    const finals = transport.sent.filter((s) => isStatus(200)(s.message));
    expect(finals.map((s) => s.at)).toEqual([0, 10_000, 31_999]);
    expect(new Set(finals.map((s) => bytes(s.message))).size).toBe(1);
    expect(finals.every((s) => s.to === SRC)).toBe(true);
    expect(layer.stats().nonInviteServer).toBe(1);
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().nonInviteServer).toBe(0);
    expect(clock.pending).toBe(0);
    // After J the same request is a new transaction (RFC 3261 §17.2.2).
    expect(layer.receiveRequest(request('REGISTER'), SRC).kind).toBe('new');
  });

  it('a retransmission given to the transaction object itself is answered the same way', () => {
    const { transport, layer } = setup();
    const bye = request('BYE', { toTag: 'b1' });
    const incoming = layer.receiveRequest(bye, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    incoming.tx.respond(buildReply(bye, 200, 'OK'));
    incoming.tx.receiveRetransmission();
    expect(transport.sent.filter((s) => isStatus(200)(s.message))).toHaveLength(2);
  });

  it('terminate() during the wait ends the lingering record and its timer', () => {
    const { clock, layer } = setup();
    const options = request('OPTIONS');
    const incoming = layer.receiveRequest(options, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    incoming.tx.respond(buildReply(options, 200, 'OK'));
    incoming.tx.terminate();
    expect(incoming.tx.terminated).toBe(true);
    expect(layer.stats().nonInviteServer).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a transport failure of a resent response ends the record at once', async () => {
    const { clock, transport, layer } = setup();
    const options = request('OPTIONS');
    const incoming = layer.receiveRequest(options, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    incoming.tx.respond(buildReply(options, 200, 'OK'));
    transport.failing = new Error('unreachable');
    layer.receiveRequest(request('OPTIONS'), SRC);
    await flush();
    expect(incoming.tx.terminated).toBe(true);
    expect(layer.stats().nonInviteServer).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('no longer keeps the transaction, its request or its TU alive', async () => {
    const { transport, layer } = setup();
    const ref = ((): WeakRef<object> => {
      const options = request('OPTIONS');
      const incoming = layer.receiveRequest(options, SRC);
      if (incoming.kind !== 'new') throw new Error('expected a new transaction');
      incoming.tx.user = { onTransportError: () => options };
      incoming.tx.respond(buildReply(options, 200, 'OK'));
      return new WeakRef(incoming.tx);
    })();
    await collect();
    expect(ref.deref()).toBeUndefined();
    expect(layer.receiveRequest(request('OPTIONS'), SRC).kind).toBe('absorbed');
    expect(transport.sent.filter((s) => isStatus(200)(s.message))).toHaveLength(2);
  });
});

describe('lingering INVITE client transaction (Timer D)', () => {
  it('answers each retransmitted non-2xx with the same ACK to the same place until D', () => {
    const { clock, transport, layer } = setup();
    const invite = request('INVITE');
    const tu = recorder(clock);
    const tx = layer.sendRequest(invite, UDP, tu);
    layer.receiveResponse(response(invite, 486));
    clock.advance(5000);
    layer.receiveResponse(response(invite, 486));
    // A 2xx cannot follow a non-2xx on the same transaction: absorbed, no ACK, no TU.
    layer.receiveResponse(response(invite, 200));
    clock.advance(26_999);
    layer.receiveResponse(response(invite, 486));
    const acks = transport.sent.filter((s) => isRequest('ACK')(s.message));
    expect(acks.map((s) => s.at)).toEqual([0, 5000, 31_999]);
    expect(new Set(acks.map((s) => bytes(s.message))).size).toBe(1);
    expect(acks.every((s) => s.to === UDP)).toBe(true);
    expect(tu.responses.map((r) => r.status)).toEqual([486]);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().inviteClient).toBe(0);
    expect(clock.pending).toBe(0);
    expect(layer.receiveResponse(response(invite, 486))).toBe(false);
  });

  it('over TCP ends at once (Timer D = 0) without lingering', () => {
    const { clock, layer } = setup();
    const tx = layer.sendRequest(request('INVITE'), TCP, recorder(clock));
    layer.receiveResponse(response(request('INVITE'), 404));
    expect(tx.terminated).toBe(true);
    expect(layer.stats().inviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('no longer keeps its TU (the call) alive once Completed', async () => {
    const { clock, transport, layer } = setup();
    const invite = request('INVITE');
    const ref = ((): WeakRef<object> => {
      const tu = recorder(clock);
      layer.sendRequest(invite, UDP, tu);
      return new WeakRef(tu);
    })();
    layer.receiveResponse(response(invite, 603));
    await collect();
    expect(ref.deref()).toBeUndefined();
    layer.receiveResponse(response(invite, 603));
    expect(transport.sent.filter((s) => isRequest('ACK')(s.message))).toHaveLength(2);
  });
});

describe('lingering non-INVITE client transaction (Timer K)', () => {
  it('absorbs retransmitted finals without telling the TU, ends at K = T4', () => {
    const { clock, transport, layer } = setup();
    const bye = request('BYE', { toTag: 'b1' });
    const tu = recorder(clock);
    const tx = layer.sendRequest(bye, UDP, tu);
    layer.receiveResponse(response(bye, 200));
    clock.advance(4999);
    expect(layer.receiveResponse(response(bye, 200))).toBe(true);
    expect(tu.responses).toHaveLength(1);
    expect(transport.sent).toHaveLength(1);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.terminated).toBe(true);
    expect(layer.stats().nonInviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('stack shutdown ends lingering records without calling anyone', () => {
    const { clock, layer } = setup();
    const bye = request('BYE', { toTag: 'b1' });
    const tu = recorder(clock);
    layer.sendRequest(bye, UDP, tu);
    layer.receiveResponse(response(bye, 200));
    layer.close();
    expect(tu.transportErrors).toEqual([]);
    expect(layer.stats().nonInviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('INVITE server transaction: what Accepted and Confirmed keep', () => {
  it('after the ACK in Accepted it still absorbs INVITEs and passes ACKs up, ends at L', () => {
    const { clock, transport, layer } = setup();
    const invite = request('INVITE');
    const incoming = layer.receiveRequest(invite, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    const tx = incoming.tx;
    tx.user = { onTransportError: () => undefined };
    tx.respond(buildReply(invite, 200, 'OK', 'u1'));
    expect(layer.receiveRequest(request('ACK', { toTag: 'u1' }), SRC).kind).toBe('ack');
    expect(tx.user.onTransportError).toBeUndefined();
    expect(layer.receiveRequest(request('INVITE'), SRC).kind).toBe('absorbed');
    expect(layer.receiveRequest(request('ACK', { toTag: 'u1' }), SRC).kind).toBe('ack');
    expect(transport.sent).toHaveLength(1);
    clock.advance(31_999);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.terminated).toBe(true);
  });

  it('drops the TU once Confirmed: Timer I ends it silently', () => {
    const { clock, layer } = setup();
    const invite = request('INVITE');
    const incoming = layer.receiveRequest(invite, SRC);
    if (incoming.kind !== 'new') throw new Error('expected a new transaction');
    const tx = incoming.tx;
    let timeouts = 0;
    tx.user = { onTimeout: () => timeouts++ };
    tx.respond(buildReply(invite, 486, 'Busy Here', 'u1'));
    expect(layer.receiveRequest(request('ACK', { toTag: 'u1' }), SRC).kind).toBe('absorbed');
    expect(tx.state).toBe('Confirmed');
    expect(tx.user.onTimeout).toBeUndefined();
    clock.advance(5000);
    expect(tx.terminated).toBe(true);
    expect(timeouts).toBe(0);
  });
});
