import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { Bridge } from '../../src/media/bridge.js';
import { FRAME_SAMPLES, decodeG711, encodeG711 } from '../../src/media/g711.js';
import { Playback } from '../../src/media/player.js';
import { Recording } from '../../src/media/recorder.js';
import type { RtpSession } from '../../src/media/rtp-session.js';
import { encodeTelephoneEvent } from '../../src/media/telephone-event.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { WavCache, repairWav } from '../../src/media/wav.js';
import { MediaFixture, at, delay, sdpFor, waitFor } from './rtp-fixtures.js';

const fx = new MediaFixture(32000);
const wavs = new WavCache();
const dir = mkdtempSync(join(tmpdir(), 'renvoi-media-'));
afterEach(async () => {
  await fx.cleanup();
  expect(fx.ports.inUse).toBe(0);
  expect(fx.clock.running).toBe(false);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two sessions that negotiated with each other, `a` offering. */
async function pair(codecs?: ('PCMU' | 'PCMA')[]): Promise<[RtpSession, RtpSession]> {
  const a = await fx.session();
  const b = await fx.session();
  a.acceptAnswer(b.answer(a.createOffer({ codecs })));
  return [a, b];
}

function readWav(path: string): Int16Array {
  const wav = new wavefile.WaveFile(readFileSync(path));
  expect(wav.fmt).toMatchObject({
    audioFormat: 1,
    numChannels: 1,
    sampleRate: 8000,
    bitsPerSample: 16,
  });
  return wav.getSamples(false, Int16Array) as unknown as Int16Array;
}

const play = (
  session: RtpSession,
  sources: ConstructorParameters<typeof Playback>[1],
  stopOnDtmf?: boolean | string,
) => new Playback(session, sources, { clock: fx.clock, wavs, stopOnDtmf });

describe('play and record between two sessions on 127.0.0.1', () => {
  it('records what was played: same length within 10 %, tone at its frequency', async () => {
    const [a, b] = await pair();
    const path = join(dir, 'message.wav');
    const recording = await Recording.start(b, path);
    const result = await play(a, [
      { kind: 'tone', frequencyHz: 1000, ms: 1000 },
      { kind: 'silence', ms: 200 },
    ]).done;
    expect(result).toEqual({ reason: 'completed', framesPlayed: 60 });
    await delay(100);
    recording.stop();
    const done = await recording.done;
    expect(done.reason).toBe('stopped');
    const samples = readWav(path);
    expect(Math.abs(samples.length - 9600) / 9600).toBeLessThan(0.1);
    expect(done.durationMs).toBe(Math.round(samples.length / 8));
    expect(toneRatio(samples.subarray(800, 4800), 1000)).toBeGreaterThan(0.9);
    expect(rms(samples.subarray(8400))).toBe(0);
  });

  it('plays a WAV prompt then the beep', async () => {
    const [a, b] = await pair(['PCMA']);
    const { encodeWav } = await import('../../src/media/wav.js');
    const prompt = join(dir, 'prompt.wav');
    const tone = Int16Array.from({ length: 4000 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    (await import('node:fs')).writeFileSync(prompt, encodeWav(tone));
    const received: Int16Array[] = [];
    b.on('audio', (packet, codec) => received.push(decodeG711(codec, packet.payload)));
    await play(a, [{ kind: 'wav', path: prompt }, { kind: 'beep' }]).done;
    await waitFor(() => received.length === 45);
    expect(toneRatio(at(received, 10), 440)).toBeGreaterThan(0.9);
    expect(toneRatio(at(received, 30), 1000)).toBeGreaterThan(0.9);
  });

  it('stops on a DTMF digit (barge-in) and leaves the clock', async () => {
    const [a, b] = await pair();
    const playback = play(a, [{ kind: 'ringback' }], '#');
    await delay(60);
    expect(fx.clock.subscribers).toBe(1);
    b.emit('dtmf', '#'); // the other leg's digit
    a.emit('dtmf', '1'); // not a stop digit
    a.emit('dtmf', '#');
    const result = await playback.done;
    expect(result.reason).toBe('dtmf');
    expect(result.digit).toBe('#');
    expect(fx.clock.subscribers).toBe(0);
  });

  it('playing nothing never subscribes to the clock', async () => {
    const [a] = await pair();
    const before = fx.clock.ticks;
    const playback = play(a, [{ kind: 'silence', ms: 0 }]);
    expect(await playback.done).toEqual({ reason: 'completed', framesPlayed: 0 });
    expect(fx.clock.ticks).toBe(before);
    expect(fx.clock.running).toBe(false);
  });

  it('a missing prompt fails before anything is sent', async () => {
    const [a] = await pair();
    await expect(play(a, [{ kind: 'wav', path: join(dir, 'nope.wav') }]).done).rejects.toThrow(
      /nope\.wav/,
    );
    expect(a.statistics.packetsSent).toBe(0);
    expect(fx.clock.subscribers).toBe(0);
  });

  it('closing the session ends its playback and recording', async () => {
    const [a, b] = await pair();
    const playback = play(a, [{ kind: 'ringback' }]);
    const recording = await Recording.start(b, join(dir, 'closed.wav'));
    await delay(100);
    await Promise.all([a.close(), b.close()]);
    expect((await playback.done).reason).toBe('closed');
    expect((await recording.done).reason).toBe('closed');
    expect(fx.clock.subscribers).toBe(0);
  });
});

describe('Recording', () => {
  it('ends after the silence time, on a stop digit, and at the maximum length', async () => {
    const [a, b] = await pair();
    const silent = await Recording.start(b, join(dir, 'silence.wav'), { silenceMs: 300 });
    play(a, [
      { kind: 'tone', frequencyHz: 500, ms: 200 },
      { kind: 'silence', ms: 2000 },
    ]);
    const bySilence = await silent.done;
    expect(bySilence.reason).toBe('silence');
    expect(bySilence.durationMs).toBeGreaterThan(400);
    expect(bySilence.durationMs).toBeLessThan(1000);

    const byDigit = await Recording.start(b, join(dir, 'digit.wav'), { stopDigits: '#' });
    b.emit('dtmf', '5');
    b.emit('dtmf', '#');
    expect(await byDigit.done).toMatchObject({ reason: 'dtmf', digit: '#' });

    const capped = await Recording.start(b, join(dir, 'max.wav'), { maxMs: 300 });
    const result = await capped.done;
    expect(result.reason).toBe('max-duration');
    expect(result.durationMs).toBeLessThanOrEqual(300);
    expect(readWav(result.path).length).toBe(result.durationMs * 8);
  });

  it('fills a gap in the RTP timestamps with silence', async () => {
    const peer = await fx.peer();
    const b = await fx.session();
    b.answer(sdpFor(peer.port));
    const recording = await Recording.start(b, join(dir, 'gap.wav'));
    const loud = encodeG711('PCMU', new Int16Array(FRAME_SAMPLES).fill(5000));
    peer.sendRtp(b.port, { sequenceNumber: 1, timestamp: 0, payload: loud });
    peer.sendRtp(b.port, { sequenceNumber: 2, timestamp: 160 * 6, payload: loud, marker: true });
    await waitFor(() => b.statistics.packetsReceived === 2);
    await delay(20);
    recording.stop();
    const samples = readWav((await recording.done).path);
    expect(samples.length).toBe(160 * 7);
    expect(rms(samples.subarray(160, 960))).toBe(0);
  });

  it('leaves a valid file after repairWav when killed mid-way (header updated every second)', async () => {
    const [a, b] = await pair();
    const path = join(dir, 'killed.wav');
    const recording = await Recording.start(b, path, { headerUpdateMs: 200 });
    await play(a, [{ kind: 'tone', frequencyHz: 1000, ms: 1500 }]).done;
    await delay(50);
    // The file as a kill would leave it: copied while the recorder still holds it open.
    const killed = join(dir, 'killed-copy.wav');
    copyFileSync(path, killed);
    const header = readFileSync(killed);
    expect(header.readUInt32LE(40)).toBeGreaterThan(0); // updated on the way, not only on close
    const dataBytes = await repairWav(killed);
    expect(dataBytes).toBe(statSync(killed).size - 44);
    const samples = readWav(killed);
    expect(Math.abs(samples.length - 12000)).toBeLessThan(1200);
    expect(toneRatio(samples.subarray(2000, 6000), 1000)).toBeGreaterThan(0.9);
    recording.stop();
    await recording.done;
  });
});

describe('Recording on a full disk', () => {
  // A real file system that fills: a 64 KiB tmpfs of the test's own (the suite runs as root).
  const small = mkdtempSync(join(tmpdir(), 'renvoi-full-'));
  beforeAll(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
  });
  afterAll(() => {
    execFileSync('umount', [small]);
    rmSync(small, { recursive: true, force: true });
  });

  it('stops at the first failed write, keeps a valid file of what was written, says why', async () => {
    // About 20 KiB left: 1.3 s of 8 kHz 16-bit audio.
    writeFileSync(join(small, 'ballast'), Buffer.alloc(44 * 1024));
    const [a, b] = await pair();
    const path = join(small, 'message.wav');
    const recording = await Recording.start(b, path);
    const playing = play(a, [{ kind: 'tone', frequencyHz: 1000, ms: 3000 }]);
    const result = await recording.done;
    expect(result.reason).toBe('failed');
    // The kernel writes what fits, then refuses the rest: a short write or ENOSPC.
    expect(String(result.error)).toMatch(/ENOSPC|short write/);
    playing.stop();
    await playing.done;
    const size = statSync(path).size;
    // The header says what the file holds, to the byte: no repair needed.
    const header = readFileSync(path);
    expect(header.readUInt32LE(40)).toBe(size - 44);
    expect(header.readUInt32LE(4)).toBe(size - 8);
    const samples = readWav(path);
    expect(samples.length / 8).toBeCloseTo(result.durationMs, -1);
    expect(result.durationMs).toBeGreaterThan(500);
    expect(result.durationMs).toBeLessThan(1500);
    expect(toneRatio(samples.subarray(800, 4800), 1000)).toBeGreaterThan(0.9);
  });
});

describe('Bridge', () => {
  it('relays both ways, transcoding PCMU to PCMA with the far leg’s SSRC and sequence', async () => {
    const phone = await fx.peer();
    const trunk = await fx.peer();
    const a = await fx.session();
    const b = await fx.session();
    a.answer(sdpFor(phone.port, ['a=rtpmap:101 telephone-event/8000'], '0 101'));
    b.answer(sdpFor(trunk.port, ['a=rtpmap:96 telephone-event/8000'], '8 96'));
    // The far leg heard a prompt first: the relay must continue its sequence.
    await play(b, [{ kind: 'silence', ms: 60 }]).done;
    const bridge = new Bridge(a, b);
    const tone = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
    );
    for (let i = 0; i < 10; i++) {
      phone.sendRtp(a.port, {
        sequenceNumber: 500 + i,
        timestamp: 9000 + i * 160,
        marker: i === 0,
        payload: encodeG711('PCMU', tone),
      });
    }
    phone.sendRtp(a.port, {
      payloadType: 101,
      sequenceNumber: 510,
      timestamp: 10600,
      marker: true,
      payload: encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 }),
    });
    trunk.sendRtp(b.port, {
      payloadType: 8,
      sequenceNumber: 7,
      timestamp: 1,
      payload: encodeG711('PCMA', tone),
    });
    await waitFor(() => trunk.received.length === 3 + 11 && phone.received.length === 1);
    const relayed = trunk.received.slice(3).map((r) => r.packet);
    expect(new Set(trunk.received.map((r) => r.packet.ssrc))).toEqual(new Set([b.ssrc]));
    const seqs = trunk.received.map((r) => r.packet.sequenceNumber);
    for (let i = 1; i < seqs.length; i++) expect((at(seqs, i) - at(seqs, i - 1)) & 0xffff).toBe(1);
    expect(relayed.slice(0, 10).every((p) => p.payloadType === 8)).toBe(true);
    expect(at(relayed, 0).marker).toBe(true);
    expect(at(relayed, 1).timestamp - at(relayed, 0).timestamp).toBe(160);
    expect(toneRatio(decodeG711('PCMA', at(relayed, 5).payload), 1000)).toBeGreaterThan(0.9);
    expect(relayed[10]).toMatchObject({ payloadType: 96 });
    expect(at(relayed, 10).timestamp - at(relayed, 0).timestamp).toBe(1600);
    expect(at(phone.received, 0).packet).toMatchObject({ payloadType: 0, ssrc: a.ssrc });
    expect(bridge.stats.aToB).toEqual({ relayed: 10, transcoded: 10, events: 1, dropped: 0 });

    bridge.stop();
    expect(a.closed || b.closed).toBe(false);
    phone.sendRtp(a.port, {
      sequenceNumber: 520,
      timestamp: 20000,
      payload: encodeG711('PCMU', tone),
    });
    await delay(50);
    expect(trunk.received).toHaveLength(14);
    // The leg goes on to a prompt after the bridge.
    await play(b, [{ kind: 'beep' }]).done;
    await waitFor(() => trunk.received.length === 34);
    expect(at(trunk.received, 14).packet.marker).toBe(true);
  });

  it('passes G.711 through untouched when both legs agree, and stops when a leg closes', async () => {
    const [a, x] = await pair(['PCMU']);
    const [b, y] = await pair(['PCMU']);
    const bridge = new Bridge(x, b);
    const got: Uint8Array[] = [];
    y.on('audio', (packet) => got.push(packet.payload));
    const payload = encodeG711('PCMU', new Int16Array(FRAME_SAMPLES).fill(1234));
    a.sendEncodedFrame(payload, 1);
    await waitFor(() => got.length === 1);
    expect([...at(got, 0)]).toEqual([...payload]);
    expect(bridge.stats.aToB.transcoded).toBe(0);
    await x.close();
    expect(bridge.running).toBe(false);
  });
});
