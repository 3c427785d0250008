import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeG711 } from '../../../src/media/g711.js';
import { MediaLayer } from '../../../src/media/media-layer.js';
import { encodeTelephoneEvent } from '../../../src/media/telephone-event.js';
import { encodeWav } from '../../../src/media/wav.js';
import type { RtpSession } from '../../../src/media/rtp-session.js';
import { OwnedTimers } from '../../../src/pbx/calls/owned-timers.js';
import { Deposit } from '../../../src/pbx/voicemail/deposit.js';
import type { DepositCommand } from '../../../src/pbx/voicemail/deposit.js';
import { VoiceDriver } from '../../../src/pbx/voicemail/voice-driver.js';
import { RealScheduler } from '../../../src/sip/timers.js';
import { RawPeer, sdpFor, waitFor } from '../../media/rtp-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'renvoi-driver-'));
const media = new MediaLayer({
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  portMin: 33200,
  portMax: 33299,
});
const scheduler = new RealScheduler();
const prompt = join(dir, 'prompt.wav');
writeFileSync(prompt, encodeWav(new Int16Array(800).fill(3000)));

const opened: { session: RtpSession; peer: RawPeer }[] = [];
afterEach(async () => {
  await Promise.all(opened.map(async (o) => Promise.all([o.session.close(), o.peer.close()])));
  opened.length = 0;
  expect(media.openSessions).toBe(0);
  expect(media.clock.running).toBe(false);
  expect(scheduler.pending).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A session answered toward a raw peer, as the call answers a caller. */
async function leg(): Promise<{ session: RtpSession; peer: RawPeer }> {
  const peer = await RawPeer.open();
  const session = await media.openSession();
  session.answer(sdpFor(peer.port));
  opened.push({ session, peer });
  return { session, peer };
}

function driver(session: RtpSession, stored: DepositCommand[], silenceMs = 5000) {
  const deposit = new Deposit({
    greeting: [prompt],
    say: () => [prompt],
    endSilenceMs: silenceMs,
  });
  const driven = new VoiceDriver<DepositCommand>({
    media,
    session,
    machine: deposit,
    timers: new OwnedTimers(scheduler),
    recordingPath: () => Promise.resolve(join(dir, `message-${stored.length}-${Date.now()}.wav`)),
    store: (command) => {
      stored.push(command);
      return Promise.resolve(undefined);
    },
  });
  return { deposit, driven };
}

/** 20 ms frames of a 440 Hz tone from the peer, `count` of them, in real time. */
async function speak(peer: RawPeer, port: number, count: number, first = 0): Promise<void> {
  for (let n = first; n < first + count; n++) {
    const pcm = Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * (n * 160 + i)) / 8000)),
    );
    peer.sendRtp(port, { sequenceNumber: n, timestamp: n * 160, payload: encodeG711('PCMU', pcm) });
    await new Promise((r) => setTimeout(r, 20));
  }
}

function press(peer: RawPeer, port: number, event: number, timestamp: number): void {
  for (let i = 0; i < 3; i++) {
    peer.sendRtp(port, {
      payloadType: 101,
      sequenceNumber: 1000 + i,
      timestamp,
      payload: encodeTelephoneEvent({ event, end: i === 2, volume: 10, duration: 160 * (i + 1) }),
    });
  }
}

describe('VoiceDriver with a deposit, on 127.0.0.1', () => {
  it('plays the greeting and the beep, records until #, keeps the message, says goodbye', async () => {
    const { session, peer } = await leg();
    const stored: DepositCommand[] = [];
    const { deposit, driven } = driver(session, stored);
    driven.start();
    await waitFor(() => deposit.state === 'recording', 3000, 'the recording');
    // The greeting (100 ms) and the beep (400 ms) reached the caller.
    expect(peer.received.length).toBeGreaterThanOrEqual(24);
    await speak(peer, session.port, 75);
    press(peer, session.port, 11, 75 * 160);
    expect(await driven.finished).toBe('hangup');
    expect(deposit.outcome).toBe('kept');
    expect(stored).toHaveLength(1);
    const kept = stored[0] as Extract<DepositCommand, { do: 'keepMessage' }>;
    expect(kept.do).toBe('keepMessage');
    expect(Math.abs(kept.durationMs - 1500) / 1500).toBeLessThan(0.1);
    expect(driven.busy).toBe(false);
  });

  it('ends on silence, cutting it off; a caller hanging up in the greeting leaves nothing', async () => {
    const { session, peer } = await leg();
    const stored: DepositCommand[] = [];
    const { deposit, driven } = driver(session, stored, 300);
    driven.start();
    await waitFor(() => deposit.state === 'recording', 3000, 'the recording');
    await speak(peer, session.port, 60);
    // Silent frames: the recorder hears them, stops after 300 ms of them.
    for (let n = 60; n < 90; n++) {
      peer.sendRtp(session.port, {
        sequenceNumber: n,
        timestamp: n * 160,
        payload: encodeG711('PCMU', new Int16Array(160)),
      });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await driven.finished).toBe('hangup');
    const kept = stored[0] as Extract<DepositCommand, { do: 'keepMessage' }>;
    expect(kept.do).toBe('keepMessage');
    expect(Math.abs(kept.durationMs - 1200) / 1200).toBeLessThan(0.15);

    const other = await leg();
    const none: DepositCommand[] = [];
    const early = driver(other.session, none);
    early.driven.start();
    expect(await early.driven.hangup()).toBe('caller-gone');
    expect(early.deposit.outcome).toBe('abandoned');
    expect(none).toEqual([]);
  });
});
