/**
 * The PBX's voice against real peers: SIPp for the signalling (and its rtp_stream for a message
 * left), the test's own RTP sockets for what a caller or a mobile hears and says. Covers a message
 * left in a mailbox without a registered phone, message-waiting and the *97 menu, and the bounce
 * of design §4 with the mobile answering, not answering, and busy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { soundOf, steadyRuns } from './sounds.js';
import type { Sound } from './sounds.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { toneRatio } from '../../src/media/tone-analysis.js';
import { sayer } from '../../src/pbx/voicemail/prompt-catalog.js';
import { loadPromptSources } from '../../src/pbx/voicemail/prompt-sources.js';
import { wavDurationMs } from '../../src/store/voicemail-repository.js';
import {
  OUTSIDE_CALLERS,
  QUIET_RTP_PORTS,
  RtpPeer,
  eventually,
  expectQuietMedia,
  freePort,
  lastCall,
  originTrunk,
  quietPort,
  sippUas,
  sippWith,
  startVoicePbx,
} from './harness.js';
import type { HeardPacket, TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const TONE_440 = join(FIXTURES, 'voice-tone-440.wav');
/** Voicemail's end of message on silence, shortened so that the tests do not wait 5 s. */
const END_SILENCE_MS = 1500;

/** The bounce callers come in through a trunk: an unauthenticated SIP caller is never dialled out for. */
const BOUNCE_DID = '0442000101';

function directory(trunkPort: number, originPort: number) {
  return {
    ...OUTSIDE_CALLERS,
    extensions: [
      {
        number: '101',
        name: 'Alice Martin',
        password: 'secret-of-101',
        mobile: '06 11 22 33 44',
        ringTimeout: 5,
        exceptions: [{ callerId: '06 00 00 00 01', action: { type: 'mobile', bounce: true } }],
      },
      { number: '102', name: 'Bruno Petit', password: 'secret-of-102', voicemailPin: '1234' },
    ],
    trunks: [
      { name: 'carrier', host: '127.0.0.1', port: trunkPort, numberFormat: 'national' },
      originTrunk(originPort, { [BOUNCE_DID]: '101' }),
    ],
  };
}

/** The decoded frames a test peer heard, in order. */
function framesHeard(heard: readonly HeardPacket[]): Int16Array[] {
  return heard.flatMap((p) => (p.pcm === null ? [] : [p.pcm]));
}

/** The sounds heard, in order, each run of one sound once (silence left out). */
function runs(heard: readonly HeardPacket[]): Sound[] {
  return steadyRuns(framesHeard(heard), 1);
}

function readWav(path: string): Int16Array {
  const wav = new wavefile.WaveFile(readFileSync(path));
  return wav.getSamples(false, Int16Array) as unknown as Int16Array;
}

/** The tone is found in the middle of the recording. */
function toneIn(samples: Int16Array, hz: number): number {
  const middle = Math.floor(samples.length / 2);
  return toneRatio(samples.subarray(middle - 1600, middle + 1600), hz);
}

describe('voice with SIPp and RTP peers', () => {
  let t: TestPbx & { media: MediaLayer };
  let trunkPort: number;
  let originPort: number;
  const peers: RtpPeer[] = [];
  const peer = async (): Promise<RtpPeer> => {
    const p = await RtpPeer.open();
    peers.push(p);
    return p;
  };

  beforeAll(async () => {
    // The trunk's port stays in the directory for the whole file and the PBX binds RTP ports of
    // its range at any time: both away from the ports a socket bound to port 0 may get.
    trunkPort = await quietPort();
    originPort = await quietPort();
    t = await startVoicePbx(directory(trunkPort, originPort), {
      rtpPorts: QUIET_RTP_PORTS,
      voicemailLimits: { endSilenceMs: END_SILENCE_MS },
    });
  });
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    peers.length = 0;
  });
  afterAll(async () => {
    await t.remove();
  });

  /** How long French prompts play, one after the other. */
  function promptMs(names: readonly string[]): number {
    const sources = loadPromptSources(t.dataDir);
    return names.reduce(
      (sum, name) => sum + (wavDurationMs(join(sources.bundledDir, 'fr', `${name}.wav`)) ?? 0),
      0,
    );
  }

  /** How long the default greeting of `mailbox` plays, plus the beep. */
  function greetingMs(mailbox: string): number {
    const say = sayer('fr', loadPromptSources(t.dataDir));
    const files = say({ prompt: 'greeting', extension: mailbox });
    return files.reduce((sum, file) => sum + (wavDurationMs(file) ?? 0), 0) + 400;
  }

  it(
    'no phone registered: greeting, beep, the message recorded whole; MWI, then *97 plays and deletes it',
    { timeout: 90_000 },
    async () => {
      const subscriber = sippUas('voice-mwi.xml', await freePort(), [
        `127.0.0.1:${t.port}`,
        '-s',
        '102',
        '-au',
        '102',
        '-ap',
        'secret-of-102',
        '-auth_uri',
        `102@127.0.0.1:${t.port}`,
        '-timeout',
        '80s',
      ]);
      await eventually(() => t.pbx.mwi.size === 1, 'the MWI subscription', 10_000);

      // SIPp waits out the greeting and the beep, streams 3 s of 440 Hz, then hangs up.
      const caller = await sippWith(
        t,
        'voice-deposit.xml',
        ['-s', '102', '-key', 'caller', '0491000000', '-d', String(greetingMs('102') + 600)],
        { files: [TONE_440] },
      );
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      await expectQuietMedia(t);
      const [message] = await t.pbx.voicemail.list('102');
      expect(message).toMatchObject({ state: 'new', callerNumber: '+33491000000' });
      const samples = readWav(message?.path ?? '');
      expect(Math.abs(samples.length / 8 - 3000) / 3000).toBeLessThan(0.1);
      expect(Math.abs((message?.durationMs ?? 0) - 3000) / 3000).toBeLessThan(0.1);
      expect(toneIn(samples, 440)).toBeGreaterThan(0.8);
      expect(await lastCall(t)).toMatchObject({ called: '102', outcome: 'voicemail' });

      // *97 from 102: PIN, "you have one new message", the message (440 Hz), 7 deletes it, * quits.
      const ear = await peer();
      const menu = sippWith(t, 'voice-menu.xml', [
        '-s',
        '*97',
        '-key',
        'caller',
        '102',
        '-key',
        'rtp_port',
        String(ear.port),
        '-au',
        '102',
        '-ap',
        'secret-of-102',
        '-auth_uri',
        `*97@127.0.0.1:${t.port}`,
      ]);
      await eventually(() => ear.source !== undefined, 'the PIN prompt', 10_000);
      await ear.pressKeys('1234#');
      const heardMessage = (): boolean =>
        ear.heard.filter((p) => p.pcm !== null && soundOf(p.pcm) === 'ringback').length > 25;
      await eventually(heardMessage, 'the message played', 20_000);
      await ear.pressKeys('7');
      await eventually(() => !existsMessage(message?.path), 'the message deleted', 10_000);
      // Keys are ignored during the notices; * quits from the main menu that follows them.
      await new Promise((r) =>
        setTimeout(r, promptMs(['message-deleted', 'no-more-messages']) + 800),
      );
      await ear.pressKeys('*');
      const menuResult = await menu;
      expect(menuResult.code, menuResult.stdout + menuResult.stderr).toBe(0);
      expect(await t.pbx.voicemail.list('102')).toEqual([]);
      const lamp = await subscriber.done;
      expect(lamp.code, lamp.stdout + lamp.stderr + lamp.messages).toBe(0);
      expect(lamp.messages).toMatch(/Messages-Waiting: yes/);
      await expectQuietMedia(t);
    },
  );

  it(
    'bounce, the mobile answers: locating prompt, ringback, then the mobile bridged; the trunk leg is anonymous',
    { timeout: 60_000 },
    async () => {
      const ear = await peer();
      const mobile = await peer();
      const carrier = sippUas('voice-trunk-answer.xml', trunkPort, [
        '-key',
        'rtp_port',
        String(mobile.port),
      ]);
      await carrier.ready;
      // The caller talks (700 Hz) all along; the mobile answers its voice with 1400 Hz.
      ear.startTone(700);
      const answering = eventually(() => mobile.source !== undefined, 'the caller relayed', 30_000)
        .then(() => mobile.startTone(1400))
        .catch(() => undefined);
      const caller = await sippWith(
        t,
        'voice-caller.xml',
        ['-s', BOUNCE_DID, '-key', 'caller', '0600000001', '-key', 'rtp_port', String(ear.port)],
        { localPort: originPort },
      );
      await answering;
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      const trunk = await carrier.done;
      expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
      expect(trunk.messages).toMatch(/^Privacy: id/m);
      expect(trunk.messages).toMatch(/^From: "Anonymous" <sip:anonymous@anonymous\.invalid>/m);
      expect(trunk.messages).toContain('INVITE sip:0611223344@');
      expect(steadyRuns(framesHeard(ear.heard))).toEqual(['speech', 'ringback', 'mobile']);
      expect(runs(mobile.heard)).toContain('caller');
      await expectQuietMedia(t);
      expect(await lastCall(t)).toMatchObject({
        exception: 0,
        outcome: 'answered',
        answeredBy: '+33611223344',
      });
    },
  );

  it.each([
    // Locating, ringback while it rings, unavailable and the greeting, the beep, goodbye.
    [
      'does not answer',
      'voice-trunk-noanswer.xml',
      ['speech', 'ringback', 'speech', 'beep', 'speech'],
    ],
    // Busy comes back at once: at most a frame or two of ringback, under a steady run.
    ['is busy', 'voice-trunk-busy.xml', ['speech', 'beep', 'speech']],
  ])(
    'bounce, the mobile %s: the unavailable prompt, the greeting, the beep, a message kept',
    { timeout: 60_000 },
    async (_case, scenario, expected) => {
      const ear = await peer();
      const carrier = sippUas(scenario, trunkPort);
      await carrier.ready;
      const before = (await t.pbx.voicemail.list('101')).length;
      // After the beep the caller speaks (700 Hz) for 2 s, then is silent until the PBX ends.
      const beeped = (): boolean =>
        ear.heard.filter((p) => p.pcm !== null && soundOf(p.pcm) === 'beep').length > 5;
      const speaking = eventually(beeped, 'the beep', 45_000).then(async () => {
        ear.startTone(700);
        await new Promise((r) => setTimeout(r, 2000));
        ear.stopTone();
      });
      // Settled below, after the caller's own result: a call that failed says why at once.
      speaking.catch(() => undefined);
      const caller = await sippWith(
        t,
        'voice-caller.xml',
        ['-s', BOUNCE_DID, '-key', 'caller', '0600000001', '-key', 'rtp_port', String(ear.port)],
        { localPort: originPort },
      );
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      await speaking;
      const trunk = await carrier.done;
      expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
      expect(steadyRuns(framesHeard(ear.heard))).toEqual(expected);
      await expectQuietMedia(t);
      const messages = await t.pbx.voicemail.list('101');
      expect(messages).toHaveLength(before + 1);
      const message = messages.at(-1);
      // 2 s sent from a timer, the first part of it over the end of the beep.
      expect(message?.durationMs).toBeGreaterThanOrEqual(1000);
      expect(toneIn(readWav(message?.path ?? ''), 700)).toBeGreaterThan(0.8);
      expect(await lastCall(t)).toMatchObject({ exception: 0, outcome: 'voicemail' });
    },
  );
});

function existsMessage(path: string | undefined): boolean {
  if (path === undefined) return false;
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
