import { describe, expect, it } from 'vitest';
import { getTopVia } from '../../../src/sip/message/index.js';
import { InvalidTransitionError } from '../../../src/shared/state-machine.js';
import { TCP, UDP, flush, isRequest, recorder, request, response, setup } from './fixtures.js';

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('over UDP retransmits with Timer A doubling without cap, then times out at Timer B', () => {
    const { clock, transport, layer } = setup({ t1: 500 });
    const tu = recorder(clock);
    const tx = layer.sendRequest(request('INVITE'), UDP, tu);
    expect(tx.state).toBe('Calling');
    clock.advance(40_000);
    expect(transport.times(isRequest('INVITE'))).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('Terminated');
    expect(layer.stats().inviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('over TCP sends once and still times out at Timer B', () => {
    const { clock, transport, layer } = setup();
    const tu = recorder(clock);
    layer.sendRequest(request('INVITE'), TCP, tu);
    clock.advance(31_999);
    expect(tu.timeouts).toEqual([]);
    clock.advance(1);
    expect(transport.times(isRequest('INVITE'))).toEqual([0]);
    expect(tu.timeouts).toEqual([32_000]);
    expect(clock.pending).toBe(0);
  });

  it('stops retransmitting on a provisional response and waits in Proceeding without Timer B', () => {
    const { clock, transport, layer } = setup();
    const tu = recorder(clock);
    const invite = request('INVITE');
    const tx = layer.sendRequest(invite, UDP, tu);
    clock.advance(600);
    tx.receiveResponse(response(invite, 180));
    expect(tx.state).toBe('Proceeding');
    clock.advance(100_000);
    expect(transport.times(isRequest('INVITE'))).toEqual([0, 500]);
    expect(tu.timeouts).toEqual([]);
    expect(tu.responses.map((r) => r.status)).toEqual([180]);
    tx.terminate();
    expect(layer.stats().inviteClient).toBe(0);
  });

  it('ACKs a non-2xx final response itself with the headers of §17.1.1.3', () => {
    const { clock, transport, layer } = setup();
    const tu = recorder(clock);
    const invite = request('INVITE', { cseq: 7 });
    const tx = layer.sendRequest(invite, UDP, tu);
    clock.advance(100);
    tx.receiveResponse(response(invite, 486, { toTag: 'busy-tag' }));
    expect(tx.state).toBe('Completed');
    const acks = transport.sent.filter((s) => isRequest('ACK')(s.message));
    expect(acks).toHaveLength(1);
    const ack = acks[0]?.message;
    if (ack?.kind !== 'request') throw new Error('expected the ACK');
    expect(ack.uri).toBe(invite.uri);
    expect(acks[0]?.to).toEqual(UDP);
    expect(ack.headers.getAll('Via')).toEqual([invite.headers.get('Via')]);
    expect(getTopVia(ack)?.branch).toBe('z9hG4bK-client-1');
    expect(ack.headers.get('Call-ID')).toBe(invite.headers.get('Call-ID'));
    expect(ack.headers.get('From')).toBe(invite.headers.get('From'));
    expect(ack.headers.get('To')).toBe('<sip:bob@example.com>;tag=busy-tag');
    expect(ack.headers.get('CSeq')).toBe('7 ACK');
    expect(ack.headers.getAll('Route')).toEqual(invite.headers.getAll('Route'));
    expect(ack.headers.get('Max-Forwards')).toBe('70');
    expect(tu.responses.map((r) => r.status)).toEqual([486]);
  });

  it('absorbs retransmitted non-2xx responses with a new ACK and ends at Timer D (32 s on UDP)', () => {
    const { clock, transport, layer } = setup();
    const tu = recorder(clock);
    const invite = request('INVITE');
    const tx = layer.sendRequest(invite, UDP, tu);
    clock.advance(100);
    tx.receiveResponse(response(invite, 503));
    clock.advance(1000);
    tx.receiveResponse(response(invite, 503));
    expect(transport.times(isRequest('ACK'))).toEqual([100, 1100]);
    expect(tu.responses).toHaveLength(1);
    clock.advance(30_999);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(clock.now()).toBe(32_100);
    expect(layer.stats().inviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('over TCP uses Timer D = 0: terminated as soon as the ACK is sent', () => {
    const { clock, transport, layer } = setup();
    const invite = request('INVITE');
    const tx = layer.sendRequest(invite, TCP, recorder(clock));
    tx.receiveResponse(response(invite, 404));
    expect(tx.state).toBe('Terminated');
    expect(transport.times(isRequest('ACK'))).toEqual([0]);
    expect(clock.pending).toBe(0);
    expect(layer.stats().inviteClient).toBe(0);
  });

  it('RFC 6026: a 2xx moves to Accepted, passes 2xx retransmissions up until Timer M', () => {
    const { clock, transport, layer } = setup({ t1: 500 });
    const tu = recorder(clock);
    const invite = request('INVITE');
    const tx = layer.sendRequest(invite, UDP, tu);
    clock.advance(200);
    expect(layer.receiveResponse(response(invite, 200))).toBe(true);
    expect(tx.state).toBe('Accepted');
    clock.advance(500);
    expect(layer.receiveResponse(response(invite, 200))).toBe(true);
    expect(layer.receiveResponse(response(invite, 200, { toTag: 'fork-2' }))).toBe(true);
    expect(layer.receiveResponse(response(invite, 180))).toBe(true);
    expect(tu.responses.map((r) => r.status)).toEqual([200, 200, 200]);
    // The ACK for a 2xx belongs to the TU, never to the transaction.
    expect(transport.times(isRequest('ACK'))).toEqual([]);
    expect(transport.times(isRequest('INVITE'))).toEqual([0]);
    clock.advance(64 * 500 - 501);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.receiveResponse(response(invite, 200))).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const { clock, transport, layer } = setup();
    transport.failing = new Error('unreachable');
    const tu = recorder(clock);
    const tx = layer.sendRequest(request('INVITE'), UDP, tu);
    await flush();
    expect(tu.transportErrors.map((e) => e.message)).toEqual(['unreachable']);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
    expect(layer.stats().inviteClient).toBe(0);
  });

  it('throws on invalid transitions', () => {
    const { clock, layer } = setup();
    const tx = layer.sendRequest(request('INVITE'), UDP, recorder(clock));
    expect(() => tx.start()).toThrow(InvalidTransitionError);
    tx.terminate();
    expect(() => tx.terminate()).toThrow(InvalidTransitionError);
  });

  it('keeps going when the TU throws', () => {
    const { clock, layer, errors } = setup();
    const invite = request('INVITE');
    const tx = layer.sendRequest(invite, TCP, {
      onResponse: () => {
        throw new Error('TU bug');
      },
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    tx.receiveResponse(response(invite, 486));
    expect(errors).toHaveLength(1);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('over UDP doubles Timer E up to T2 and times out at Timer F', () => {
    const { clock, transport, layer } = setup({ t1: 500, t2: 4000 });
    const tu = recorder(clock);
    layer.sendRequest(request('OPTIONS'), UDP, tu);
    clock.advance(40_000);
    expect(transport.times(isRequest('OPTIONS'))).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(tu.timeouts).toEqual([32_000]);
    expect(layer.stats().nonInviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('in Proceeding retransmits every T2', () => {
    const { clock, transport, layer } = setup({ t1: 500, t2: 4000 });
    const tu = recorder(clock);
    const req = request('REGISTER');
    const tx = layer.sendRequest(req, UDP, tu);
    clock.advance(100);
    tx.receiveResponse(response(req, 100));
    expect(tx.state).toBe('Proceeding');
    clock.advance(9000);
    expect(transport.times(isRequest('REGISTER'))).toEqual([0, 500, 4500, 8500]);
  });

  it('passes the final response up once and ends at Timer K = T4 on UDP', () => {
    const { clock, layer } = setup({ t4: 5000 });
    const tu = recorder(clock);
    const req = request('BYE');
    const tx = layer.sendRequest(req, UDP, tu);
    clock.advance(700);
    tx.receiveResponse(response(req, 200));
    tx.receiveResponse(response(req, 200));
    expect(tx.state).toBe('Completed');
    expect(tu.responses).toHaveLength(1);
    clock.advance(4999);
    expect(tx.state).toBe('Completed');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(clock.pending).toBe(0);
  });

  it('over TCP never retransmits and uses Timer K = 0', () => {
    const { clock, transport, layer } = setup();
    const req = request('OPTIONS');
    const tx = layer.sendRequest(req, TCP, recorder(clock));
    clock.advance(10_000);
    tx.receiveResponse(response(req, 200));
    expect(tx.state).toBe('Terminated');
    expect(transport.times(isRequest('OPTIONS'))).toEqual([0]);
    expect(clock.pending).toBe(0);
  });

  it('reports a transport error and terminates', async () => {
    const { clock, transport, layer } = setup();
    transport.failing = new Error('refused');
    const tu = recorder(clock);
    layer.sendRequest(request('OPTIONS'), TCP, tu);
    await flush();
    expect(tu.transportErrors).toHaveLength(1);
    expect(layer.stats().nonInviteClient).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
