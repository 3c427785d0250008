/**
 * SIP over TLS with real phones (issue 9, point 3): two baresip softphones in the test's network
 * namespace register over TLS, trusting the certificate the PBX made for itself at its first
 * start, and call each other: the INVITE reaches the callee on the TLS connection it registered
 * on, the PBX's Via and Contact say TLS, and audio flows both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { expectQuiet, lastCall } from './harness.js';
import { startSecurePbx } from './tls-harness.js';
import type { SecurePbx } from './tls-harness.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
  ],
};

const FIXTURES = join(import.meta.dirname, 'fixtures');

function heard(phone: Baresip): Int16Array {
  const file = phone.recordings().find((f) => f.endsWith('-dec.wav'));
  if (file === undefined) throw new Error(`no recording in ${phone.dir}`);
  return decodeWavTo8kMono(readFileSync(file)).subarray(4000);
}

describe('baresip over TLS', () => {
  let netns: Netns;
  let t: SecurePbx;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    netns = createNetns();
    t = await startSecurePbx(DIRECTORY, netns.hostAddress);
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    netns?.remove();
  });

  it('registers two phones over TLS; 101 calls 102 and each hears the other', async () => {
    const { pbx, tlsPort } = t;
    const tls = { cafile: t.certificate.certFile };
    const alice = await Baresip.forExtension(netns, tlsPort, '101', {
      source: join(FIXTURES, 'tone-440.wav'),
      tls,
    });
    phones.push(alice);
    const bruno = await Baresip.forExtension(netns, tlsPort, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
      tls,
    });
    phones.push(bruno);
    for (const ext of ['101', '102']) {
      expect(pbx.registrar.contactsOf(ext).map((b) => b.source.protocol)).toEqual(['tls']);
    }

    // baresip adds its account's `transport=tls` to what is dialled.
    await alice.command('dial', `sip:102@${netns.hostAddress}:${tlsPort}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await new Promise((r) => setTimeout(r, 2000));
    await alice.command('hangup');
    await bruno.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await expectQuiet(t);

    expect(toneRatio(heard(bruno), 440)).toBeGreaterThan(0.8);
    expect(rms(heard(bruno))).toBeGreaterThan(1000);
    expect(toneRatio(heard(alice), 1000)).toBeGreaterThan(0.8);
    expect(await lastCall(t)).toMatchObject({ outcome: 'answered', answeredBy: '102' });
    // Only TLS carried SIP: the phones' connections are the PBX's only ones, nothing over UDP.
    expect(pbx.stats().connections).toBe(2);
  });
});
