/**
 * Attended transfer (RFC 5589 §7, RFC 3891) against SIPp phones: the receptionist (100) consults
 * Alice (101), takes a 06… caller coming in through the trunk, and REFERs it to Alice with
 * `Replaces` naming the consultation. The PBX joins the caller and Alice (Alice's media brought
 * to the PBX by a re-INVITE), hangs up both of the receptionist's dialogs, tells it by NOTIFY
 * sipfrag, and the history says who transferred to whom. The REFER may as well come on the
 * consultation call, naming the first one (RFC 5589 §7). Then the refusals: a malformed Replaces
 * (400), one naming no dialog (202, then NOTIFY 481, the call going on). Nothing is left.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCalls } from '../../src/store/call-history-repository.js';
import {
  callingAs,
  eventually,
  expectQuietMedia,
  originTrunk,
  phone,
  quietPort,
  sipp,
  startVoicePbx,
} from './harness.js';
import type { TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

function directory(originPort: number) {
  return {
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
      { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    ],
    // The receptionist, in a call already (its consultation), is rung through its ring group.
    ringGroups: [{ number: '800', name: 'Accueil', strategy: 'ring-all', members: ['100'] }],
    trunks: [originTrunk(originPort, { '0442000800': '800' })],
  };
}

describe('attended transfer against SIPp phones', () => {
  let t: TestPbx & { media: MediaLayer };
  let originPort: number;
  let work: string;
  beforeAll(async () => {
    originPort = await quietPort();
    t = await startVoicePbx(directory(originPort));
    work = mkdtempSync(join(tmpdir(), 'renvoi-attended-'));
  });
  afterAll(async () => {
    await t.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('the receptionist consults Alice, then joins the caller to her', async () => {
    const alice = await phone(t, '101', 'uas-consulted.xml');
    const dialogFile = join(work, 'consultation');
    const consultation = sipp(t, 'uac-consult.xml', [
      ...callingAs(t, '100', '101'),
      '-key',
      'dialog',
      dialogFile,
    ]);
    let dialog = '';
    await eventually(
      () => {
        try {
          dialog = readFileSync(dialogFile, 'utf8').trim();
        } catch {
          return false;
        }
        return dialog !== '';
      },
      'the consultation call to be answered',
      10_000,
    ).catch(async (error: unknown) => {
      const result = await consultation;
      throw new Error(`${String(error)}: ${result.stdout}${result.stderr}${result.messages}`);
    });
    const receptionist = await phone(t, '100', 'uas-attended.xml', [
      '-key',
      'target',
      '101',
      '-key',
      'replaces',
      encodeURIComponent(dialog),
    ]);
    const caller = await sipp(
      t,
      'uac-transferred.xml',
      ['-s', '0442000800', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const told = await receptionist.done;
    expect(told.code, told.stdout + told.stderr).toBe(0);
    expect(told.messages).toContain('SIP/2.0 202 Accepted');
    expect(told.messages).toContain('Content-Type: message/sipfrag;version=2.0');
    expect(told.messages).toContain('SIP/2.0 100 Trying');
    expect(told.messages).toMatch(/SIP\/2\.0 200 OK\r?\n[\s\S]*terminated;reason=noresource/);
    const consulted = await consultation;
    expect(consulted.code, consulted.stdout + consulted.stderr).toBe(0);
    const joined = await alice.done;
    expect(joined.code, joined.stdout + joined.stderr).toBe(0);
    await expectQuietMedia(t);
    let calls = await listCalls(t.db, { limit: 5 });
    for (
      let i = 0;
      i < 250 && !(calls.length === 3 && calls.every((c) => c.outcome !== null));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
      calls = await listCalls(t.db, { limit: 5 });
    }
    const [consultLine, first, transferred] = [...calls].sort((a, b) => a.startedAt - b.startedAt);
    expect(consultLine).toMatchObject({ called: '101', answeredBy: '101', outcome: 'answered' });
    expect(first).toMatchObject({ called: '800', answeredBy: '100', outcome: 'answered' });
    expect(transferred).toMatchObject({
      caller: '+33612345678',
      called: '101',
      answeredBy: '101',
      outcome: 'answered',
    });
    expect(transferred?.trace[0]).toEqual({ code: 'transferred', extension: '100', target: '101' });
  });

  it('the transfer may ride on the consultation call: Alice is joined to the caller', async () => {
    const dialogFile = join(work, 'first-call');
    const receptionist = await phone(t, '100', 'uas-answered-dialog.xml', [
      '-key',
      'dialog',
      dialogFile,
    ]);
    const caller = sipp(
      t,
      'uac-transferred.xml',
      ['-s', '0442000800', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    let dialog = '';
    await eventually(
      () => {
        try {
          dialog = readFileSync(dialogFile, 'utf8').trim();
        } catch {
          return false;
        }
        return dialog !== '';
      },
      'the first call to be answered',
      10_000,
    );
    const alice = await phone(t, '101', 'uas-consulted.xml');
    const consultation = await sipp(t, 'uac-consult-refer.xml', [
      ...callingAs(t, '100', '101'),
      '-key',
      'target',
      '800',
      '-key',
      'replaces',
      encodeURIComponent(dialog),
    ]);
    expect(consultation.code, consultation.stdout + consultation.stderr).toBe(0);
    expect(consultation.messages).toContain('SIP/2.0 202 Accepted');
    expect(consultation.messages).toMatch(
      /SIP\/2\.0 200 OK\r?\n[\s\S]*terminated;reason=noresource/,
    );
    const first = await receptionist.done;
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const called = await caller;
    expect(called.code, called.stdout + called.stderr).toBe(0);
    const joined = await alice.done;
    expect(joined.code, joined.stdout + joined.stderr).toBe(0);
    await expectQuietMedia(t);
  });

  it('refusals: a malformed Replaces gets 400, one naming no dialog NOTIFY 481; the call goes on', async () => {
    const refused = await phone(t, '100', 'uas-attended-refused.xml', ['-key', 'target', '101']);
    const caller = await sipp(
      t,
      'uac-hungup.xml',
      ['-s', '0442000800', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const phoneSide = await refused.done;
    expect(phoneSide.code, phoneSide.stdout + phoneSide.stderr).toBe(0);
    expect(phoneSide.messages).toContain('SIP/2.0 400 Bad Request: malformed Replaces');
    expect(phoneSide.messages).toContain('SIP/2.0 481 Call/Transaction Does Not Exist');
    expect(phoneSide.messages).toContain('Subscription-State: terminated;reason=noresource');
    await expectQuietMedia(t);
  });
});
