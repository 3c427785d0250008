/**
 * Blind transfer (RFC 3515) against SIPp phones: a 06… caller comes in through a trunk, the
 * receptionist answers and REFERs it to Alice, whose `06*` exception sends it to Bruno; the
 * receptionist hears NOTIFY sipfrag progress and is hung up on; the history has the transferred
 * call on a line of its own saying who transferred it. Then the refusals: no Refer-To, a number
 * the outbound policy forbids, a REFER outside any dialog. Nothing is left afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCalls } from '../../src/store/call-history-repository.js';
import { expectQuietMedia, originTrunk, phone, quietPort, sipp, startVoicePbx } from './harness.js';
import type { TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

function directory(originPort: number) {
  return {
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
      {
        number: '101',
        name: 'Alice Martin',
        password: 'secret-of-101',
        exceptions: [
          { callerId: '06*', action: { type: 'extension', target: '102', voicemail: false } },
        ],
      },
      { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
    ],
    trunks: [originTrunk(originPort, { '0442000100': '100' })],
  };
}

describe('blind transfer against SIPp phones', () => {
  let t: TestPbx & { media: MediaLayer };
  let originPort: number;
  beforeAll(async () => {
    originPort = await quietPort();
    t = await startVoicePbx(directory(originPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  it("the receptionist passes a 06 caller to Alice; Alice's 06* rule sends it to Bruno", async () => {
    const receptionist = await phone(t, '100', 'uas-transfer.xml', ['-key', 'target', '101']);
    const alice = await phone(t, '101');
    const bruno = await phone(t, '102');
    const caller = await sipp(
      t,
      'uac-transferred.xml',
      ['-s', '0442000100', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const told = await receptionist.done;
    expect(told.code, told.stdout + told.stderr).toBe(0);
    expect(told.messages).toContain('SIP/2.0 202 Accepted');
    expect(told.messages).toContain('Content-Type: message/sipfrag;version=2.0');
    expect(told.messages).toContain('SIP/2.0 100 Trying');
    expect(told.messages).toContain('Subscription-State: terminated;reason=noresource');
    const answered = await bruno.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    // Bruno sees the original caller.
    expect(answered.messages).toMatch(
      /From: "Caller" <sip:\+?33612345678@|From: "Caller" <sip:0612345678@/,
    );
    alice.stop();
    expect((await alice.done).messages).not.toContain('INVITE sip:');
    await expectQuietMedia(t);
    // History writes are asynchronous: both lines, with their outcome, within 5 s.
    let calls = await listCalls(t.db, { limit: 5 });
    for (
      let i = 0;
      i < 250 && !(calls.length === 2 && calls.every((c) => c.outcome !== null));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
      calls = await listCalls(t.db, { limit: 5 });
    }
    const [transferred, first] = [...calls].sort((a, b) => b.startedAt - a.startedAt);
    expect(first).toMatchObject({ called: '100', answeredBy: '100', outcome: 'answered' });
    expect(transferred).toMatchObject({
      caller: '+33612345678',
      called: '101',
      exception: 0,
      answeredBy: '102',
      outcome: 'answered',
    });
    expect(transferred?.trace[0]).toEqual({ code: 'transferred', extension: '100', target: '101' });
  });

  it('refusals: REFER without Refer-To 400, to a premium number 403, outside a dialog 481', async () => {
    const refused = await phone(t, '100', 'uas-refer-refused.xml', [
      '-key',
      'target',
      '0899123456',
    ]);
    const caller = await sipp(
      t,
      'uac-hungup.xml',
      ['-s', '0442000100', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    // The refused transfers leave the call as it was: the phone hangs up, the caller gets its BYE.
    const phoneSide = await refused.done;
    expect(phoneSide.code, phoneSide.stdout + phoneSide.stderr).toBe(0);
    const outside = await sipp(t, 'refer-outside.xml', ['-s', '100']);
    expect(outside.code, outside.stdout + outside.stderr).toBe(0);
    await expectQuietMedia(t);
  });
});
