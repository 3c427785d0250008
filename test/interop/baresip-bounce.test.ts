/**
 * The guide's bounce (Rebond) heard from a real softphone: Bruno (baresip) calls Alice, whose
 * exception sends every caller to her mobile with bounce. He hears the locating prompt, ringback
 * while the mobile is dialled from a private number, and when nobody answers, the unavailable
 * prompt, Alice's greeting and the beep; what he says then is Alice's message.
 */
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import type { MediaLayer } from '../../src/media/index.js';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { TEST_TIMERS, eventually, expectQuiet, quietPort, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';
import { framesOf, steadyRuns } from './sounds.js';

describe('bounce, heard from a baresip softphone', () => {
  let netns: Netns;
  let t: TestPbx;
  let media: MediaLayer;
  let bruno: Baresip | undefined;
  const carrier = createSocket('udp4');
  const invites: string[] = [];
  beforeAll(async () => {
    // A carrier that takes the INVITE and never answers: the mobile rings out.
    const trunkPort = await quietPort();
    carrier.on('message', (data) => invites.push(data.toString('latin1')));
    await new Promise<void>((resolve) => carrier.bind(trunkPort, '127.0.0.1', resolve));
    netns = createNetns();
    const directory = {
      extensions: [
        {
          number: '101',
          name: 'Alice Martin',
          password: 'secret-of-101',
          mobile: '06 11 22 33 44',
          ringTimeout: 5,
          exceptions: [{ callerId: '*', action: { type: 'mobile', bounce: true } }],
        },
        { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
      ],
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: trunkPort }],
    };
    t = await startTestPbx(directory, undefined, TEST_TIMERS, undefined, netns.hostAddress);
    ({ media } = attachCallHandling(t.pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2 }));
  });
  afterAll(async () => {
    bruno?.remove();
    await t?.remove();
    netns?.remove();
    carrier.close();
  });

  it('locating prompt, ringback, unavailable prompt, greeting, beep, then voicemail', async () => {
    bruno = await Baresip.forExtension(netns, t.port, '102');
    await bruno.command('dial', `sip:101@${netns.hostAddress}:${t.port}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 10_000);
    const recording = async () =>
      (
        await t.db
          .selectFrom('voicemail_message')
          .select('id')
          .where('mailbox', '=', '101')
          .execute()
      ).length > 0;
    const deadline = Date.now() + 45_000;
    while (!(await recording())) {
      if (Date.now() > deadline) throw new Error('the voicemail never started recording');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    await bruno.command('hangup');
    await expectQuiet(t);
    await eventually(() => media.openSessions === 0, 'every RTP session to be closed', 5000);

    // The mobile was dialled through the trunk from a private number (RFC 3323).
    const invite = invites.find((m) => m.startsWith('INVITE '));
    expect(invite).toMatch(/^INVITE sip:0611223344@/);
    expect(invite).toMatch(/^Privacy: id/im);
    expect(invite).toMatch(/^From: "Anonymous" <sip:anonymous@anonymous\.invalid>/im);

    const file = bruno.recordings().find((f) => f.endsWith('-dec.wav'));
    if (file === undefined) throw new Error('baresip recorded nothing');
    const heard = steadyRuns(framesOf(decodeWavTo8kMono(readFileSync(file))));
    expect(heard).toEqual(['speech', 'ringback', 'speech', 'beep']);
  }, 90_000);
});
