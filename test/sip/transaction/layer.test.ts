import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { buildCancel } from '../../../src/sip/transaction/index.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { Source } from '../../../src/sip/transport/index.js';
import { UDP, recorder, request, response, setup } from './fixtures.js';

const SRC: Source = { protocol: 'udp', address: '192.0.2.1', port: 5060 };

describe('TransactionLayer matching', () => {
  it('matches responses by top Via branch and CSeq method (RFC 3261 §17.1.3)', () => {
    const { clock, layer } = setup();
    const invite = request('INVITE');
    const inviteTu = recorder(clock);
    layer.sendRequest(invite, UDP, inviteTu);
    const cancel = buildCancel(invite);
    const cancelTu = recorder(clock);
    layer.sendRequest(cancel, UDP, cancelTu);
    expect(layer.stats()).toMatchObject({ inviteClient: 1, nonInviteClient: 1 });
    expect(layer.receiveResponse(response(cancel, 200))).toBe(true);
    expect(cancelTu.responses.map((r) => r.status)).toEqual([200]);
    expect(inviteTu.responses).toEqual([]);
    expect(
      layer.receiveResponse(response(request('INVITE', { branch: 'z9hG4bK-other' }), 200)),
    ).toBe(false);
    expect(layer.receiveResponse(response(invite, 487))).toBe(true);
    expect(inviteTu.responses.map((r) => r.status)).toEqual([487]);
  });

  it('refuses a second client transaction with the same branch and method', () => {
    const { clock, layer } = setup();
    layer.sendRequest(request('OPTIONS'), UDP, recorder(clock));
    expect(() => layer.sendRequest(request('OPTIONS'), UDP, recorder(clock))).toThrow();
    expect(() => layer.sendRequest(request('ACK'), UDP, recorder(clock))).toThrow(TypeError);
  });

  it('matches requests by branch, sent-by and method (RFC 3261 §17.2.3)', () => {
    const { layer } = setup();
    expect(layer.receiveRequest(request('INVITE'), SRC).kind).toBe('new');
    expect(layer.receiveRequest(request('INVITE'), SRC).kind).toBe('absorbed');
    // Same branch from another sent-by is another transaction.
    expect(layer.receiveRequest(request('INVITE', { sentBy: '192.0.2.2:5060' }), SRC).kind).toBe(
      'new',
    );
    // CANCEL is a transaction of its own, linked to its INVITE for the TU.
    const cancel = request('CANCEL');
    const r = layer.receiveRequest(cancel, SRC);
    expect(r.kind).toBe('new');
    const invite = layer.findInviteForCancel(cancel);
    expect(invite?.kind).toBe('inviteServer');
    expect(invite?.request.headers.get('CSeq')).toBe('1 INVITE');
    expect(
      layer.findInviteForCancel(request('CANCEL', { branch: 'z9hG4bK-nope' })),
    ).toBeUndefined();
    expect(layer.stats()).toMatchObject({ inviteServer: 2, nonInviteServer: 1 });
  });

  it('falls back to RFC 2543 matching when the branch has no magic cookie', () => {
    const { layer } = setup();
    expect(layer.receiveRequest(request('INVITE', { branch: 'old1' }), SRC).kind).toBe('new');
    expect(layer.receiveRequest(request('INVITE', { branch: 'old1' }), SRC).kind).toBe('absorbed');
    expect(layer.receiveRequest(request('INVITE', { branch: 'old1', cseq: 2 }), SRC).kind).toBe(
      'new',
    );
  });

  it('close() terminates every transaction and leaves no timer', () => {
    const { clock, layer } = setup();
    layer.sendRequest(request('INVITE'), UDP, recorder(clock));
    layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-2' }), UDP, recorder(clock));
    const r = layer.receiveRequest(request('INVITE', { branch: 'z9hG4bK-3' }), SRC);
    if (r.kind !== 'new') throw new Error('expected a new transaction');
    r.tx.respond(buildReply(r.tx.request, 486, 'Busy Here'));
    layer.receiveRequest(request('MESSAGE', { branch: 'z9hG4bK-4' }), SRC);
    expect(layer.stats()).toEqual({
      inviteClient: 1,
      nonInviteClient: 1,
      inviteServer: 1,
      nonInviteServer: 1,
    });
    expect(clock.pending).toBeGreaterThan(0);
    layer.close();
    expect(layer.stats()).toEqual({
      inviteClient: 0,
      nonInviteClient: 0,
      inviteServer: 0,
      nonInviteServer: 0,
    });
    expect(clock.pending).toBe(0);
  });
});

describe('TransactionLayer.close', () => {
  it('tells a client TU still waiting for a final response that none will come, and only it', () => {
    const { clock, layer } = setup();
    // Ringing: the 180 stopped Timer B, so only the TU's own guard would ever end its wait.
    const ringing = request('INVITE');
    const ringingTu = recorder(clock);
    layer.sendRequest(ringing, UDP, ringingTu);
    layer.receiveResponse(response(ringing, 180));
    const trying = request('OPTIONS', { branch: 'z9hG4bK-trying' });
    const tryingTu = recorder(clock);
    layer.sendRequest(trying, UDP, tryingTu);
    // Answered (RFC 6026 Accepted): the TU has its final response already.
    const answered = request('INVITE', { branch: 'z9hG4bK-answered' });
    const answeredTu = recorder(clock);
    layer.sendRequest(answered, UDP, answeredTu);
    layer.receiveResponse(response(answered, 200));
    const done = request('BYE', { branch: 'z9hG4bK-done' });
    const doneTu = recorder(clock);
    layer.sendRequest(done, UDP, doneTu);
    layer.receiveResponse(response(done, 200));

    layer.close();

    expect(ringingTu.transportErrors.map((e) => e.message)).toEqual(['SIP stack closed']);
    expect(tryingTu.transportErrors.map((e) => e.message)).toEqual(['SIP stack closed']);
    expect(answeredTu.transportErrors).toEqual([]);
    expect(doneTu.transportErrors).toEqual([]);
    expect(ringingTu.timeouts).toEqual([]);
    expect(clock.pending).toBe(0);
    expect(layer.stats()).toEqual({
      inviteClient: 0,
      nonInviteClient: 0,
      inviteServer: 0,
      nonInviteServer: 0,
    });
  });
});

describe('FakeScheduler', () => {
  it('fires timers in due order, including timers set while firing, and counts pending ones', () => {
    const clock = new FakeScheduler();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(50, () => fired.push(`b@${clock.now()}`));
    });
    const cleared = clock.setTimer(200, () => fired.push('never'));
    expect(clock.pending).toBe(3);
    clock.clear(cleared);
    clock.advance(250);
    expect(fired).toEqual(['a@100', 'b@150']);
    expect(clock.now()).toBe(250);
    expect(clock.nextDue()).toBe(300);
    clock.advance(100);
    expect(fired).toEqual(['a@100', 'b@150', 'c@300']);
    expect(clock.pending).toBe(0);
  });
});
