/**
 * Pickup against SIPp phones: a 06… caller rings Alice (101); Bruno (102) takes the call, by an
 * INVITE with Replaces naming the ringing dialog (RFC 3891 §3, as a phone's busy-lamp key does)
 * or by dialling a pickup code (`*20*101`, `**101`, or `*20` for his ring group). The caller is
 * answered by the PBX and joined to Bruno; Alice's phone gets CANCEL. Then the refusals: a
 * malformed Replaces (400), one naming no dialog (481). Nothing is left afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callingAs,
  eventually,
  expectQuietMedia,
  finalStatus,
  originTrunk,
  phone,
  quietPort,
  sipp,
  startVoicePbx,
} from './harness.js';
import type { TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';
import { listCalls } from '../../src/store/call-history-repository.js';

function directory(originPort: number) {
  return {
    extensions: [
      { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
      { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
    ],
    ringGroups: [{ number: '800', name: 'Accueil', strategy: 'ring-all', members: ['101', '102'] }],
    trunks: [originTrunk(originPort, { '0442000101': '101' })],
  };
}

describe('pickup against SIPp phones', () => {
  let t: TestPbx & { media: MediaLayer };
  let originPort: number;
  let work: string;
  let n = 0;
  beforeAll(async () => {
    originPort = await quietPort();
    t = await startVoicePbx(directory(originPort));
    work = mkdtempSync(join(tmpdir(), 'renvoi-pickup-'));
  });
  afterAll(async () => {
    await t.remove();
    rmSync(work, { recursive: true, force: true });
  });

  /** Alice's phone rings with the caller's call; resolves with its early dialog as a Replaces. */
  async function ringingAlice() {
    const file = join(work, `ringing-${++n}`);
    const alice = await phone(t, '101', 'uas-picked.xml', ['-key', 'dialog', file]);
    const caller = sipp(t, 'uac-hungup.xml', ['-s', '0442000101', '-key', 'caller', '0612345678'], {
      localPort: originPort,
    });
    let dialog = '';
    await eventually(
      () => {
        try {
          dialog = readFileSync(file, 'utf8').trim();
        } catch {
          return false;
        }
        return dialog !== '';
      },
      "Alice's phone to ring",
      10_000,
    );
    return { alice, caller, dialog };
  }

  async function expectPickedUp(
    ringing: Awaited<ReturnType<typeof ringingAlice>>,
    picker: Awaited<ReturnType<typeof sipp>>,
  ) {
    expect(picker.code, picker.stdout + picker.stderr).toBe(0);
    const caller = await ringing.caller;
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const alice = await ringing.alice.done;
    expect(alice.code, alice.stdout + alice.stderr).toBe(0);
    expect(alice.messages).toContain('CANCEL sip:');
    await expectQuietMedia(t);
    // The caller's call to Alice was answered by Bruno (history writes are asynchronous).
    const picked = async () =>
      (await listCalls(t.db, { limit: 2 })).find((c) => c.caller === '+33612345678');
    for (let i = 0; i < 250 && (await picked())?.outcome == null; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await picked()).toMatchObject({ called: '101', answeredBy: '102', outcome: 'answered' });
  }

  it('Bruno picks up by an INVITE with Replaces naming the ringing dialog', async () => {
    const ringing = await ringingAlice();
    const picker = await sipp(t, 'uac-replaces.xml', [
      ...callingAs(t, '102', '101'),
      '-key',
      'replaces',
      ringing.dialog,
    ]);
    await expectPickedUp(ringing, picker);
  });

  it.each(['*20*101', '**101', '*20'])('Bruno picks up by dialling %s', async (code) => {
    const ringing = await ringingAlice();
    const picker = await sipp(t, 'uac-auth.xml', callingAs(t, '102', code));
    await expectPickedUp(ringing, picker);
  });

  it('refusals: malformed Replaces 400, naming no dialog 481', async () => {
    for (const [replaces, status] of [
      ['no-tags-here', 400],
      ['gone@nowhere;to-tag=a;from-tag=b', 481],
    ] as const) {
      const refused = await sipp(t, 'uac-replaces-refused.xml', [
        ...callingAs(t, '102', '101'),
        '-key',
        'replaces',
        replaces,
      ]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(0);
      expect(finalStatus(refused.messages)).toBe(status);
    }
    await expectQuietMedia(t);
  });
});
