/**
 * Hold with music between two phones (SIPp for the signalling, the test's RTP sockets for what
 * each phone hears): the callee puts the caller on hold with a=sendonly (RFC 3264 §8.4), the
 * caller hears the PBX's music, the callee resumes and media flows phone to phone again; the
 * call goes on to its end, its history line intact, and nothing is left.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { HOLD_MUSIC_NOTES_HZ } from '../../src/media/hold-music.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import type { MediaLayer } from '../../src/media/media-layer.js';
import { HoldMusicRepository } from '../../src/store/hold-music-repository.js';
import {
  OUTSIDE_CALLERS,
  QUIET_RTP_PORTS,
  RtpPeer,
  eventually,
  expectQuietMedia,
  freePort,
  lastCall,
  sippUas,
  sippWith,
  registerContact,
  startVoicePbx,
} from './harness.js';
import type { HeardPacket, TestPbx } from './harness.js';

const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
};

/** The note of the default melody a frame plays, or null when it is no note of it. */
function noteOf(pcm: Int16Array): number | null {
  if (rms(pcm) < 300) return null;
  let best: number | null = null;
  let bestRatio = 0.6;
  for (const hz of HOLD_MUSIC_NOTES_HZ) {
    const ratio = toneRatio(pcm, hz);
    if (ratio > bestRatio) [best, bestRatio] = [hz, ratio];
  }
  return best;
}

/** Every `m=audio` port of a SIPp trace, in the order the messages went. */
function audioPorts(messages: string): number[] {
  return [...messages.matchAll(/^m=audio (\d+) /gm)].map((m) => Number(m[1]));
}

describe('hold with music between SIPp phones', () => {
  let t: TestPbx & { media: MediaLayer };
  const peers: RtpPeer[] = [];
  const peer = async (): Promise<RtpPeer> => {
    const p = await RtpPeer.open();
    peers.push(p);
    return p;
  };

  beforeAll(async () => {
    t = await startVoicePbx(DIRECTORY, { rtpPorts: QUIET_RTP_PORTS });
  });
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    peers.length = 0;
  });
  afterAll(async () => {
    await t.remove();
  });

  /** A call from an outside caller to 101, which holds it 3 s, resumes and hangs up. */
  async function heldCall() {
    const callerEar = await peer();
    const calleeEar = await peer();
    const port = await freePort();
    const callee = sippUas('uas-hold.xml', port, ['-key', 'rtp_port', String(calleeEar.port)]);
    await registerContact(t, '101', port);
    await callee.ready;
    // Phone to phone: each talks to the port the other's SDP names (the callee at 1400 Hz).
    calleeEar.sendTo({ address: '127.0.0.1', port: callerEar.port });
    callerEar.sendTo({ address: '127.0.0.1', port: calleeEar.port });
    calleeEar.startTone(1400);
    callerEar.startTone(700);

    const calling = sippWith(t, 'uac-held.xml', [
      '-s',
      '101',
      '-key',
      'caller',
      '0612345678',
      '-key',
      'rtp_port',
      String(callerEar.port),
    ]);
    // On hold the PBX faces both phones; resumed, its sessions close while the call goes on.
    await eventually(() => t.media.openSessions === 2, 'the PBX to anchor the held call', 10_000);
    await eventually(
      () => t.media.openSessions === 0 && t.pbx.stats().calls === 1,
      'the call resumed phone to phone',
      10_000,
    );
    const caller = await calling;
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const holder = await callee.done;
    expect(holder.code, holder.stdout + holder.stderr).toBe(0);
    // What the caller heard from the PBX, not from the callee's port.
    const fromPbx = callerEar.heard.filter((p: HeardPacket) => p.fromPort !== calleeEar.port);
    const frames = fromPbx.flatMap((p) => (p.pcm === null ? [] : [p.pcm]));
    return { callerEar, calleeEar, caller, holder, fromPbx, frames };
  }

  it('the callee holds: the caller hears music from the PBX; resumed, phone to phone again', async () => {
    const { callerEar, calleeEar, caller, holder, fromPbx, frames } = await heldCall();

    // The caller's trace: its offer, the callee's answer (phone to phone), the PBX's hold
    // offer from a port of its own, its answer, the callee's resume offer relayed, its answer.
    const a = callerEar.port;
    const b = calleeEar.port;
    const callerPorts = audioPorts(caller.messages);
    expect(callerPorts).toHaveLength(6);
    const pbxPort = callerPorts[2];
    expect(callerPorts).toEqual([a, b, pbxPort, a, b, a]);
    expect(pbxPort).not.toBe(a);
    expect(pbxPort).not.toBe(b);
    expect(caller.messages).toMatch(/a=sendonly/);
    // The holder's trace: answered by the PBX on hold, by the caller's own port on resume.
    const holderPorts = audioPorts(holder.messages);
    expect(holderPorts).toHaveLength(6);
    expect(holderPorts[3]).not.toBe(a);
    expect(holderPorts).toEqual([a, b, b, holderPorts[3], b, a]);
    expect(holder.messages).toMatch(/a=recvonly/);

    // What the caller heard from the PBX is the melody: notes of it in nearly every frame,
    // several different ones, for most of the 3 s of hold.
    expect(frames.length).toBeGreaterThan(100);
    const notes = frames.map(noteOf);
    const musical = notes.filter((n) => n !== null);
    expect(musical.length / frames.length).toBeGreaterThan(0.8);
    expect(new Set(musical).size).toBeGreaterThanOrEqual(4);
    // The callee's voice reached the caller before and after the hold, phone to phone.
    const fromCallee = callerEar.heard.filter((p) => p.fromPort === b && p.pcm !== null);
    const firstPbx = fromPbx[0]?.at ?? 0;
    const lastPbx = fromPbx.at(-1)?.at ?? 0;
    const before = fromCallee.filter((p) => p.at < firstPbx);
    const after = fromCallee.filter((p) => p.at > lastPbx);
    expect(before.length).toBeGreaterThan(10);
    expect(after.length).toBeGreaterThan(10);
    expect(toneRatio(after[5]?.pcm ?? new Int16Array(160), 1400)).toBeGreaterThan(0.8);

    // One call, answered by 101, ended by its BYE: the hold neither ended nor split it.
    await expectQuietMedia(t);
    const call = await lastCall(t);
    expect(call).toMatchObject({ called: '101', outcome: 'answered', answeredBy: '101' });
    expect((call.endedAt ?? 0) - (call.answeredAt ?? 0)).toBeGreaterThan(4000);
  });

  it("an admin's track plays instead of the melody", async () => {
    const tracks = new HoldMusicRepository(t.db, t.dataDir);
    const { file, path } = tracks.newFile();
    const tone = Int16Array.from({ length: 8000 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 1200 * i) / 8000)),
    );
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 8000, '16', tone);
    writeFileSync(path, wav.toBuffer());
    const track = await tracks.add('1200 Hz', file, 1000);
    try {
      const { frames } = await heldCall();
      expect(frames.length).toBeGreaterThan(100);
      // The 1 s track again and again: the tone in nearly every frame, no note of the melody.
      const toned = frames.filter((f) => toneRatio(f, 1200) > 0.8);
      expect(toned.length / frames.length).toBeGreaterThan(0.9);
      expect(frames.filter((f) => noteOf(f) !== null).length).toBe(0);
      await expectQuietMedia(t);
    } finally {
      await tracks.remove(track.id);
    }
  });
});
