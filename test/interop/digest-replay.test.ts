/**
 * Digest replay (issue 14 §6), with SIPp as the phone, the replayer and sipsak as an older peer:
 * captured credentials sent again from another address never reach the trunk, whether they were
 * the RFC 2069 form (no qop, no nonce-count) or qop=auth with a nonce-count already used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestResponse } from '../../src/sip/auth/digest.js';
import { parseDigestChallenge } from '../../src/sip/message/index.js';
import {
  callingAs,
  eventually,
  expectQuiet,
  finalStatus,
  runPeer,
  sipp,
  startCallPbx,
  udpPeer,
} from './harness.js';
import type { TestPbx } from './harness.js';

const DIALLED = '0491000000';

/** Header values of `name` in the messages SIPp traced in one direction. */
function headers(messages: string, name: string): string[] {
  return [...messages.matchAll(new RegExp(`^${name}:\\s*(.+)$`, 'gim'))].map((m) =>
    (m[1] ?? '').trim(),
  );
}

describe('captured digest credentials replayed (SIPp)', () => {
  let t: TestPbx;
  // A bare socket as the carrier: it records every INVITE the PBX sends out.
  let carrier: Awaited<ReturnType<typeof udpPeer>>;
  /** Calls the carrier was offered (an INVITE's retransmissions share its Call-ID). */
  const invitesToCarrier = () =>
    new Set(
      carrier.received
        .filter((d) => d.text.startsWith('INVITE '))
        .flatMap((d) => headers(d.text, 'Call-ID')),
    ).size;
  beforeAll(async () => {
    carrier = await udpPeer();
    t = await startCallPbx({
      extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: carrier.port }],
    });
  });
  afterAll(async () => {
    await t.remove();
    await carrier.close();
  });

  it('an RFC 2069 Authorization (no qop) gets a new challenge, and the trunk nothing', async () => {
    // The nonce an old phone was challenged with, and the answer it gave (no qop, no nc): what a
    // listener on its network captures.
    const challenged = await sipp(t, 'uac-refused.xml', ['-s', DIALLED, '-key', 'caller', '101']);
    expect(finalStatus(challenged.messages)).toBe(407);
    const [offer] = headers(challenged.messages, 'Proxy-Authenticate');
    const challenge = parseDigestChallenge(offer ?? '');
    if (challenge === null) throw new Error('no challenge in the trace');
    const uri = `sip:${DIALLED}@127.0.0.1:${t.port}`;
    const response = digestResponse({
      algorithm: 'MD5',
      username: '101',
      realm: challenge.realm,
      password: 'secret-of-101',
      method: 'INVITE',
      uri,
      nonce: challenge.nonce,
    });
    const captured = `Digest username="101", realm="${challenge.realm}", nonce="${challenge.nonce}", uri="${uri}", response="${response}", algorithm=MD5`;

    const replay = await sipp(t, 'uac-replayed.xml', [
      '-s',
      DIALLED,
      '-key',
      'caller',
      '101',
      '-key',
      'authorization',
      captured,
    ]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(finalStatus(replay.messages)).toBe(407);
    await expectQuiet(t);
    expect(invitesToCarrier()).toBe(0);
  });

  it('a qop=auth Authorization sent again with the same nc is refused as stale', async () => {
    const before = invitesToCarrier();
    const honest = sipp(t, 'uac-auth-refused.xml', callingAs(t, '101', DIALLED));
    // The honest call reaches the carrier, which refuses it: the call ends with 486.
    await eventually(() => invitesToCarrier() > before, 'the honest call at the carrier');
    const invite = carrier.received.find((d) => d.text.startsWith('INVITE '));
    if (invite === undefined) throw new Error('no INVITE');
    carrier.send(busyAnswer(invite.text), invite.from);
    const call = await honest;
    expect(call.code, call.stdout + call.stderr).toBe(0);
    expect(finalStatus(call.messages)).toBe(486);
    const [captured] = headers(call.messages, 'Proxy-Authorization');
    expect(captured).toMatch(/qop=auth/);
    expect(captured).toMatch(/nc=00000001/);
    await expectQuiet(t);

    const replay = await sipp(t, 'uac-replayed.xml', [
      '-s',
      DIALLED,
      '-key',
      'caller',
      '101',
      '-key',
      'authorization',
      captured ?? '',
    ]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(finalStatus(replay.messages)).toBe(407);
    // RFC 7616 §3.3: stale, so that a phone whose request was merely late retries silently.
    expect(headers(replay.messages, 'Proxy-Authenticate').join('\n')).toMatch(/stale=true/i);
    await expectQuiet(t);
    expect(invitesToCarrier()).toBe(before + 1);
  });
});

/** A 486 from the carrier for an INVITE it received, with the headers RFC 3261 §8.2.6.2 copies. */
function busyAnswer(invite: string): string {
  const copy = ['Via', 'From', 'Call-ID', 'CSeq']
    .flatMap((name) => headers(invite, name).map((value) => `${name}: ${value}`))
    .join('\r\n');
  const [to] = headers(invite, 'To');
  return `SIP/2.0 486 Busy Here\r\n${copy}\r\nTo: ${to ?? ''};tag=carrier\r\nContent-Length: 0\r\n\r\n`;
}

describe('older peers still authenticate with qop=auth', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx({
      extensions: [{ number: '100', name: 'Secrétariat', password: 'secret-of-100' }],
    });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('registers with sipsak', async () => {
    const r = await runPeer('sipsak', [
      '-U',
      '-C',
      `sip:100@127.0.0.1:5999`,
      '-s',
      `sip:100@127.0.0.1:${t.port}`,
      '-u',
      '100',
      '-a',
      'secret-of-100',
      '-x',
      '120',
      '-vv',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(t.pbx.registrar.contactsOf('100').map((b) => b.contact)).toContain(
      'sip:100@127.0.0.1:5999',
    );
  });
});
