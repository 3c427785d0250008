/**
 * Call park against SIPp phones (issue 10 §4): a 06… caller comes in through a trunk, the
 * receptionist answers and REFERs it to `*0`; the PBX parks it in slot 1, tells the receptionist
 * `200 Parked *11` on the REFER's subscription and hangs up on it, and the caller hears the music
 * on hold (the test's RTP socket checks the melody's notes). Chloé dials `*11` and talks with the
 * caller, RTP both ways through the PBX's bridge. A slot with nothing parked gets 404; a call left
 * parked past the timeout rings its parker back. Nothing is left afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOLD_MUSIC_NOTES_HZ } from '../../src/media/hold-music.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import type { MediaLayer } from '../../src/media/media-layer.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import type { CallRecord } from '../../src/store/call-history-repository.js';
import {
  QUIET_RTP_PORTS,
  RtpPeer,
  callingAs,
  eventually,
  expectQuietMedia,
  finalStatus,
  freePort,
  originTrunk,
  phone,
  quietPort,
  registerContact,
  sipp,
  sippUas,
  startVoicePbx,
} from './harness.js';
import type { HeardPacket, TestPbx } from './harness.js';

const PARK_TIMEOUT_MS = 4000;

function directory(originPort: number) {
  return {
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
      { number: '101', name: 'Accueil bis', password: 'secret-of-101' },
      { number: '103', name: 'Chloé Roux', password: 'secret-of-103' },
    ],
    trunks: [originTrunk(originPort, { '0442000100': '100', '0442000101': '101' })],
  };
}

/** Whether a frame plays a note of the default melody. */
function musical(pcm: Int16Array): boolean {
  return rms(pcm) >= 300 && HOLD_MUSIC_NOTES_HZ.some((hz) => toneRatio(pcm, hz) > 0.6);
}

const frames = (heard: readonly HeardPacket[]): Int16Array[] =>
  heard.flatMap((p) => (p.pcm === null ? [] : [p.pcm]));

describe('call park against SIPp phones', () => {
  let t: TestPbx & { media: MediaLayer };
  let originPort: number;
  const peers: RtpPeer[] = [];
  const peer = async (): Promise<RtpPeer> => {
    const p = await RtpPeer.open();
    peers.push(p);
    return p;
  };

  beforeAll(async () => {
    originPort = await quietPort();
    t = await startVoicePbx(directory(originPort), {
      rtpPorts: QUIET_RTP_PORTS,
      parkTimeoutMs: PARK_TIMEOUT_MS,
    });
  });
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    peers.length = 0;
  });
  afterAll(async () => {
    await t.remove();
  });

  /** The caller's history lines, oldest first, once `count` of them have their outcome. */
  async function callerLines(count: number): Promise<CallRecord[]> {
    let lines: CallRecord[] = [];
    for (let i = 0; i < 250; i++) {
      lines = (await listCalls(t.db, { limit: 20 })).filter((c) => c.caller === '+33612345678');
      if (lines.length >= count && lines.every((c) => c.outcome !== null)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return lines.sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The 06… caller calls `service` with its RTP on `ear`, and stays until hung up on. */
  function calling(service: string, ear: RtpPeer) {
    return sipp(
      t,
      'voice-caller.xml',
      ['-s', service, '-key', 'caller', '0612345678', '-key', 'rtp_port', String(ear.port)],
      { localPort: originPort, timeoutS: 30 },
    );
  }

  it('the receptionist parks the caller on *0; Chloé takes it back with *11', async () => {
    const receptionist = await phone(t, '100', 'uas-transfer.xml', ['-key', 'target', '*0']);
    const callerEar = await peer();
    const caller = calling('0442000100', callerEar);

    const told = await receptionist.done;
    expect(told.code, told.stdout + told.stderr).toBe(0);
    expect(told.messages).toContain('SIP/2.0 202 Accepted');
    expect(told.messages).toContain('SIP/2.0 100 Trying');
    // The slot, told on the REFER's subscription before the receptionist is hung up on.
    expect(told.messages).toContain('SIP/2.0 200 Parked *11');
    expect(told.messages).toContain('Subscription-State: terminated;reason=noresource');

    // Parked: the caller hears the melody from the PBX.
    await eventually(
      () => frames(callerEar.heard).filter(musical).length >= 50,
      'the parked caller to hear the music',
      10_000,
    );
    const parkedFrames = frames(callerEar.heard);
    expect(parkedFrames.filter(musical).length / parkedFrames.length).toBeGreaterThan(0.7);
    const heardBeforeRetrieve = callerEar.heard.length;
    // The caller talks (700 Hz) to where the PBX sends from; Chloé answers at 1400 Hz.
    callerEar.startTone(700);
    const chloeEar = await peer();
    chloeEar.startTone(1400);
    const chloe = await sipp(t, 'uac-retrieve.xml', [
      ...callingAs(t, '103', '*11'),
      '-key',
      'rtp_port',
      String(chloeEar.port),
    ]);
    expect(chloe.code, chloe.stdout + chloe.stderr).toBe(0);
    // Chloé's hang-up ends the parked call too.
    const hungUp = await caller;
    expect(hungUp.code, hungUp.stdout + hungUp.stderr).toBe(0);

    // Both ways through the PBX's bridge: Chloé hears the caller's tone, the caller hers.
    const toChloe = frames(chloeEar.heard).filter((f) => toneRatio(f, 700) > 0.8);
    expect(toChloe.length).toBeGreaterThan(40);
    const afterRetrieve = frames(callerEar.heard.slice(heardBeforeRetrieve));
    expect(afterRetrieve.filter((f) => toneRatio(f, 1400) > 0.8).length).toBeGreaterThan(40);
    await expectQuietMedia(t);

    // History: answered by the receptionist, then parked by 100 in slot 1, then retrieved by 103.
    const [first, parked, retrieved] = await callerLines(3);
    expect(first).toMatchObject({ called: '100', answeredBy: '100', outcome: 'answered' });
    expect(parked).toMatchObject({ called: '*0', outcome: 'answered', answeredBy: '100' });
    expect(parked?.trace).toEqual([{ code: 'parked', extension: '100', target: '1' }]);
    expect(retrieved).toMatchObject({ called: '103', answeredBy: '103', outcome: 'answered' });
    expect(retrieved?.trace).toEqual([
      { code: 'parked', extension: '100', target: '1' },
      { code: 'retrieved', extension: '103', target: '1' },
    ]);
  });

  it('a slot with nothing parked: 404', async () => {
    const refused = await sipp(t, 'uac-auth-refused.xml', callingAs(t, '103', '*12'));
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    expect(finalStatus(refused.messages)).toBe(404);
    await expectQuietMedia(t);
  });

  it('a caller hanging up while parked leaves nothing: *11 then gets 404', async () => {
    const receptionist = await phone(t, '100', 'uas-transfer.xml', ['-key', 'target', '*0']);
    // Stays 4 s on the line, parked after about 1 s, then hangs up.
    const caller = await sipp(
      t,
      'uac-transferred.xml',
      ['-s', '0442000100', '-key', 'caller', '0612345678'],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const told = await receptionist.done;
    expect(told.messages).toContain('SIP/2.0 200 Parked *11');
    await expectQuietMedia(t);
    const refused = await sipp(t, 'uac-auth-refused.xml', callingAs(t, '103', '*11'));
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    expect(finalStatus(refused.messages)).toBe(404);
    await expectQuietMedia(t);
  });

  it('not retrieved in time: the parker is rung back and takes the caller', async () => {
    // The parker's phone: the same port parks, then answers the ring-back (one binding).
    const port = await freePort();
    const parking = sippUas('uas-transfer.xml', port, ['-key', 'target', '*0']);
    await registerContact(t, '101', port);
    await parking.ready;
    const callerEar = await peer();
    const caller = calling('0442000101', callerEar);
    const told = await parking.done;
    expect(told.code, told.stdout + told.stderr).toBe(0);
    // Slot 1 again: the calls parked before were retrieved or hung up, and their slot freed.
    expect(told.messages).toContain('SIP/2.0 200 Parked *11');
    const parkedAt = performance.now();
    const back = sippUas('uas-hangup.xml', port);
    await back.ready;
    const answered = await back.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    // Rung back after the timeout, not before.
    expect(performance.now() - parkedAt).toBeGreaterThan(PARK_TIMEOUT_MS - 500);
    expect(answered.messages).toMatch(/From: "?Caller"? <sip:\+?33612345678@|0612345678@/);
    const hungUp = await caller;
    expect(hungUp.code, hungUp.stdout + hungUp.stderr).toBe(0);
    expect(frames(callerEar.heard).filter(musical).length).toBeGreaterThan(50);
    await expectQuietMedia(t);
    const lines = await callerLines(3);
    const ringBack = lines.at(-1);
    expect(ringBack).toMatchObject({ called: '101', answeredBy: '101', outcome: 'answered' });
    expect(ringBack?.trace[0]).toEqual({ code: 'parked', extension: '101', target: '1' });
  });
});
