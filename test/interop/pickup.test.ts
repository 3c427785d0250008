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
      { number: '103', name: 'Chloé Roux', password: 'secret-of-103' },
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

  /**
   * Alice's phone takes the caller's call (`scenario`: rings, or answers); resolves with its
   * dialog as a Replaces value once it has it.
   */
  async function ringingAlice(scenario = 'uas-picked.xml') {
    const file = join(work, `dialog-${++n}`);
    const alice = await phone(t, '101', scenario, ['-key', 'dialog', file]);
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
      "Alice's phone to take the call",
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
    // Its `Require: replaces` was honoured (no 420), and the PBX says it supports it.
    expect(picker.messages).toMatch(/SIP\/2\.0 200 OK[\s\S]*Supported: replaces/);
    await expectPickedUp(ringing, picker);
  });

  it("group pickup stays within the picker's ring groups: Chloé, in none, gets 480", async () => {
    const ringing = await ringingAlice();
    const refused = await sipp(t, 'uac-auth-refused.xml', callingAs(t, '103', '*20'));
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    expect(finalStatus(refused.messages)).toBe(480);
    const picker = await sipp(t, 'uac-auth.xml', callingAs(t, '102', '*20*101'));
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

  it('Alice moves her answered call to another of her phones; Bruno may not take it', async () => {
    const answered = await ringingAlice('uas-answered-dialog.xml');
    const replacing = (extension: string, replaces: string) =>
      callingAs(t, extension, '101').concat(['-key', 'replaces', replaces]);
    // RFC 3891 §3: a confirmed dialog named with early-only gets 486; another extension's, 403.
    for (const [extension, replaces, status] of [
      ['102', answered.dialog, 403],
      ['101', `${answered.dialog};early-only`, 486],
    ] as const) {
      const refused = await sipp(t, 'uac-replaces-refused.xml', replacing(extension, replaces));
      expect(refused.code, refused.stdout + refused.stderr).toBe(0);
      expect(finalStatus(refused.messages)).toBe(status);
    }
    const other = await sipp(t, 'uac-replaces.xml', replacing('101', answered.dialog));
    expect(other.code, other.stdout + other.stderr).toBe(0);
    // The desk phone is hung up on; the caller stays until the other phone hangs up.
    const desk = await answered.alice.done;
    expect(desk.code, desk.stdout + desk.stderr).toBe(0);
    const caller = await answered.caller;
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    await expectQuietMedia(t);
    const moved = async () =>
      (await listCalls(t.db, { limit: 3 })).find((c) => c.caller === '+33612345678');
    for (let i = 0; i < 250 && (await moved())?.outcome == null; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await moved()).toMatchObject({ called: '101', answeredBy: '101', outcome: 'answered' });
    expect((await moved())?.trace[0]).toEqual({
      code: 'transferred',
      extension: '101',
      target: '101',
    });
  });
});
