/**
 * Answer confirmation on a forward to a mobile (issue 13 §4), against a SIPp caller and a SIPp
 * "mobile" behind the trunk, with the test's RTP sockets as their ears and keypads: the mobile
 * hears « Appel de … pour le poste …, appuyez sur 1 » while the caller hears ringback; a 1 (RFC
 * 4733) joins them; a mobile whose own voicemail answers and never presses is hung up on, and the
 * caller goes to the extension's voicemail.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { soundOf, steadyRuns } from './sounds.js';
import {
  OUTSIDE_CALLERS,
  QUIET_RTP_PORTS,
  RtpPeer,
  eventually,
  expectQuietMedia,
  lastCall,
  originTrunk,
  quietPort,
  sippUas,
  sippWith,
  startVoicePbx,
} from './harness.js';
import type { HeardPacket, TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

const BOUNCE_DID = '0442000101';
const PLAIN_DID = '0442000102';

function directory(trunkPort: number, originPort: number) {
  const confirmed = (number: string, bounce: boolean) => ({
    number,
    name: `Poste ${number}`,
    password: `secret-of-${number}`,
    mobile: '06 11 22 33 44',
    ringTimeout: 15,
    exceptions: [{ callerId: '*', action: { type: 'mobile', bounce, confirm: true } }],
  });
  return {
    ...OUTSIDE_CALLERS,
    extensions: [confirmed('101', true), confirmed('102', false)],
    trunks: [
      { name: 'carrier', host: '127.0.0.1', port: trunkPort, numberFormat: 'national' },
      originTrunk(originPort, { [BOUNCE_DID]: '101', [PLAIN_DID]: '102' }),
    ],
  };
}

function framesHeard(heard: readonly HeardPacket[]): Int16Array[] {
  return heard.flatMap((p) => (p.pcm === null ? [] : [p.pcm]));
}

const heardSpeech = (peer: RtpPeer) => () =>
  peer.heard.filter((p) => p.pcm !== null && soundOf(p.pcm) === 'speech').length > 25;

describe('answer confirmation with SIPp and RTP peers', () => {
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
    trunkPort = await quietPort();
    originPort = await quietPort();
    t = await startVoicePbx(directory(trunkPort, originPort), {
      rtpPorts: QUIET_RTP_PORTS,
      voicemailLimits: { endSilenceMs: 1500 },
    });
  });
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    peers.length = 0;
  });
  afterAll(async () => {
    await t.remove();
  });

  it(
    'the mobile hears the question and presses 1: only then is the caller joined to it',
    { timeout: 60_000 },
    async () => {
      const ear = await peer();
      const mobile = await peer();
      const carrier = sippUas('voice-trunk-confirm.xml', trunkPort, [
        '-key',
        'rtp_port',
        String(mobile.port),
      ]);
      await carrier.ready;
      ear.startTone(700);
      // The mobile says nothing until it has heard the question, then presses 1 and talks.
      const confirming = eventually(heardSpeech(mobile), 'the question', 30_000).then(async () => {
        expect(mobile.heard.some((p) => p.pcm !== null && soundOf(p.pcm) === 'caller')).toBe(false);
        await mobile.pressKeys('1');
        mobile.startTone(1400);
      });
      confirming.catch(() => undefined);
      const caller = await sippWith(
        t,
        'voice-caller.xml',
        ['-s', BOUNCE_DID, '-key', 'caller', '0600000001', '-key', 'rtp_port', String(ear.port)],
        { localPort: originPort },
      );
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      await confirming;
      const trunk = await carrier.done;
      expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
      // Locating, ringback through the question, then the mobile's voice.
      expect(steadyRuns(framesHeard(ear.heard))).toEqual(['speech', 'ringback', 'mobile']);
      expect(steadyRuns(framesHeard(mobile.heard), 1)).toEqual(['speech', 'caller']);
      await expectQuietMedia(t);
      const call = await lastCall(t);
      expect(call.plan[1]).toEqual({
        do: 'dial',
        number: '+33611223344',
        presentation: 'anonymous',
        timeout: 15,
        extension: '101',
        confirm: true,
      });
      expect(call).toMatchObject({ exception: 0, outcome: 'answered', answeredBy: '+33611223344' });
    },
  );

  it(
    "the mobile's voicemail answers and never presses: hung up on, the caller goes to voicemail",
    { timeout: 60_000 },
    async () => {
      const ear = await peer();
      const mobile = await peer();
      const carrier = sippUas('voice-trunk-silent.xml', trunkPort, [
        '-key',
        'rtp_port',
        String(mobile.port),
      ]);
      await carrier.ready;
      const before = (await t.pbx.voicemail.list('102')).length;
      // After the beep the caller speaks for 2 s, then is silent until the PBX ends the call.
      const beeped = (): boolean =>
        ear.heard.filter((p) => p.pcm !== null && soundOf(p.pcm) === 'beep').length > 5;
      const speaking = eventually(beeped, 'the beep', 45_000).then(async () => {
        ear.startTone(700);
        await new Promise((r) => setTimeout(r, 2000));
        ear.stopTone();
      });
      speaking.catch(() => undefined);
      const caller = await sippWith(
        t,
        'voice-caller.xml',
        ['-s', PLAIN_DID, '-key', 'caller', '0600000001', '-key', 'rtp_port', String(ear.port)],
        { localPort: originPort },
      );
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      await speaking;
      const trunk = await carrier.done;
      expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
      expect(trunk.messages).toMatch(/^BYE sip:/m);
      // The question was put to the mobile; the caller never heard it, only the voicemail's.
      expect(heardSpeech(mobile)()).toBe(true);
      expect(steadyRuns(framesHeard(ear.heard))).toEqual(['speech', 'beep', 'speech']);
      await expectQuietMedia(t);
      expect(await t.pbx.voicemail.list('102')).toHaveLength(before + 1);
      const call = await lastCall(t);
      expect(call.plan).toEqual([
        {
          do: 'dial',
          number: '+33611223344',
          presentation: 'caller',
          timeout: null,
          extension: '102',
          confirm: true,
        },
        { do: 'voicemail', mailbox: '102' },
      ]);
      expect(call).toMatchObject({ exception: 0, outcome: 'voicemail' });
    },
  );

  it('a phone sending its 1 in SIP INFO is joined the same way', { timeout: 60_000 }, async () => {
    const ear = await peer();
    const mobile = await peer();
    const carrier = sippUas('voice-trunk-confirm-info.xml', trunkPort, [
      '-key',
      'rtp_port',
      String(mobile.port),
    ]);
    await carrier.ready;
    ear.startTone(700);
    // The mobile talks once asked: its voice reaches the caller only after its INFO.
    const talking = eventually(heardSpeech(mobile), 'the question', 30_000).then(() =>
      mobile.startTone(1400),
    );
    talking.catch(() => undefined);
    const caller = await sippWith(
      t,
      'voice-caller.xml',
      ['-s', PLAIN_DID, '-key', 'caller', '0600000001', '-key', 'rtp_port', String(ear.port)],
      { localPort: originPort },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const trunk = await carrier.done;
    expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
    await talking;
    // The INFO got its 200 (the scenario waits for it); then each heard the other, the caller
    // nothing before (no bounce: it was ringing, not answered).
    expect(steadyRuns(framesHeard(mobile.heard), 1)).toEqual(['speech', 'caller']);
    expect(steadyRuns(framesHeard(ear.heard), 1)).toEqual(['mobile']);
    await expectQuietMedia(t);
    expect(await lastCall(t)).toMatchObject({
      exception: 0,
      outcome: 'answered',
      answeredBy: '+33611223344',
    });
  });

  it(
    'the caller gives up while the mobile is being asked: the mobile gets a BYE, nothing is left',
    { timeout: 60_000 },
    async () => {
      const mobile = await peer();
      const carrier = sippUas('voice-trunk-silent.xml', trunkPort, [
        '-key',
        'rtp_port',
        String(mobile.port),
      ]);
      await carrier.ready;
      // The CANCEL leaves 2.5 s after the 180: the mobile has answered and is being asked.
      const caller = await sippWith(
        t,
        'uac-cancel-late.xml',
        ['-s', PLAIN_DID, '-key', 'caller', '0600000001', '-d', '2500'],
        { localPort: originPort },
      );
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      const trunk = await carrier.done;
      expect(trunk.code, trunk.stdout + trunk.stderr).toBe(0);
      expect(trunk.messages).toMatch(/^BYE sip:/m);
      expect(heardSpeech(mobile)()).toBe(true);
      await expectQuietMedia(t);
      expect(await lastCall(t)).toMatchObject({ exception: 0, outcome: 'cancelled' });
    },
  );
});
