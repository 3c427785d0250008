/**
 * DTMF in SIP INFO (RFC 6086: application/dtmf-relay and application/dtmf), as phones set for
 * "SIP INFO" send it, honoured where RFC 4733 digits are: a SIPp phone dials *97, types its PIN
 * and then * (quit) in INFOs; the menu takes them, says goodbye and hangs up well before it would
 * have given up on a caller typing nothing (three PIN prompts, 8 s apart). Nothing is left after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaLayer } from '../../src/media/media-layer.js';
import {
  QUIET_RTP_PORTS,
  RtpPeer,
  expectQuietMedia,
  lastCall,
  sippWith,
  startVoicePbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

describe('DTMF in SIP INFO', () => {
  let t: TestPbx & { media: MediaLayer };
  let ear: RtpPeer;
  beforeAll(async () => {
    t = await startVoicePbx(
      {
        extensions: [
          { number: '102', name: 'Bruno Petit', password: 'secret-of-102', voicemailPin: '1234' },
        ],
      },
      { rtpPorts: QUIET_RTP_PORTS },
    );
    ear = await RtpPeer.open();
  });
  afterAll(async () => {
    await ear.close();
    await t.remove();
  });

  it('*97: the PIN and * in INFOs open the menu and quit it', { timeout: 40_000 }, async () => {
    const menu = await sippWith(t, 'voice-menu-info.xml', [
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
    expect(menu.code, menu.stdout + menu.stderr).toBe(0);
    // Every INFO was answered 200 (a digit it could not read would have had 400).
    expect(
      menu.messages.match(/SIP\/2\.0 200 OK\r?\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ INFO/g),
    ).toHaveLength(6);
    await expectQuietMedia(t);
    expect(await lastCall(t)).toMatchObject({ called: '*97', outcome: 'voicemail' });
  });
});
