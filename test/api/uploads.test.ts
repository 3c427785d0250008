/**
 * Issue 14, point 3: uploaded recordings are judged by their header before any work, each refusal
 * naming what is wrong in French and English, and converted in a worker whose failure or overload
 * leaves nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WavConverter } from '../../src/media/wav-conversion.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { ensureBuilt } from '../e2e/harness.js';
import { login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';
import { toneWav, wavWith } from './wav-files.js';

const GREETING = '/api/extensions/101/greeting';

describe('audio uploads: refused by their header', () => {
  let h: Harness;
  let alice: Login;
  const upload = (payload: Buffer, lang = 'fr', url = GREETING) =>
    h.app.inject({
      method: 'PUT',
      url: `${url}?lang=${lang}`,
      headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, 'content-type': 'audio/wav' },
      payload,
    });
  const mailboxFiles = () => {
    const dir = join(h.dataDir, 'voicemail', '101');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  beforeAll(async () => {
    await ensureBuilt();
    h = await startHarness();
    alice = await login(h.app, '101', 'change-me-101');
  }, 300_000);
  afterAll(async () => h.close());

  const cases: { name: string; file: () => Buffer; fr: string; en: string }[] = [
    {
      name: 'a 1 Hz sample rate',
      file: () => wavWith({ rate: 1 }, Buffer.alloc(2000)),
      fr: 'Ce WAV annonce une fréquence d’échantillonnage de 1 Hz : elle doit être comprise entre 8000 et 192000 Hz.',
      en: 'This WAV declares a sample rate of 1 Hz: it must be between 8000 and 192000 Hz.',
    },
    {
      name: 'a rate above 192 kHz',
      file: () => wavWith({ rate: 4_000_000_000 }, Buffer.alloc(2000)),
      fr: 'Ce WAV annonce une fréquence d’échantillonnage de 4000000000 Hz : elle doit être comprise entre 8000 et 192000 Hz.',
      en: 'This WAV declares a sample rate of 4000000000 Hz: it must be between 8000 and 192000 Hz.',
    },
    {
      name: 'IMA ADPCM',
      file: () => wavWith({ rate: 8000, tag: 0x11, bits: 4, blockAlign: 256 }, Buffer.alloc(2048)),
      fr: 'Ce WAV est dans un encodage non pris en charge (IMA ADPCM, 0x0011) : envoyez du PCM, du flottant, du µ-law ou de l’A-law.',
      en: 'This WAV uses an encoding that is not supported (IMA ADPCM, 0x0011): send PCM, floating point, µ-law or A-law.',
    },
    {
      name: '12-bit PCM',
      file: () => wavWith({ rate: 8000, bits: 12, blockAlign: 2 }, Buffer.alloc(2000)),
      fr: 'Ce WAV annonce 12 bits par échantillon, ce qui n’existe pas dans son encodage (pcm).',
      en: 'This WAV declares 12 bits per sample, which its encoding (pcm) does not have.',
    },
    {
      name: '65535 channels',
      file: () => wavWith({ rate: 8000, channels: 65535, blockAlign: 2 }, Buffer.alloc(2000)),
      fr: 'Ce WAV annonce 65535 canaux : il en faut de 1 à 8.',
      en: 'This WAV declares 65535 channels: it must have 1 to 8.',
    },
    {
      name: 'a frame size that does not match',
      file: () => wavWith({ rate: 8000, channels: 2, blockAlign: 1 }, Buffer.alloc(2000)),
      fr: 'L’en-tête de ce WAV est incohérent : des trames de 1 octets pour 2 canal(aux) de 16 bits.',
      en: 'This WAV’s header is inconsistent: frames of 1 bytes for 2 channel(s) of 16 bits.',
    },
    {
      name: 'more data declared than sent',
      file: () => wavWith({ rate: 8000, declared: 0xffffffff }, Buffer.alloc(2000)),
      fr: 'Ce WAV est tronqué : son en-tête annonce 4294967295 octets de son, le fichier n’en contient que 2000.',
      en: 'This WAV is truncated: its header declares 4294967295 bytes of sound, the file holds only 2000.',
    },
    {
      name: '61 s, over the greeting’s 60 s',
      file: () => wavWith({ rate: 8000 }, Buffer.alloc(61 * 16000)),
      fr: 'L’annonce doit durer entre un instant et 60 s ; ce fichier dure 61 s.',
      en: 'The greeting must last more than an instant and at most 60 s; this file lasts 61 s.',
    },
    {
      name: 'no sample at all',
      file: () => wavWith({ rate: 8000 }, Buffer.alloc(0)),
      fr: 'L’annonce doit durer entre un instant et 60 s ; ce fichier dure 0 s.',
      en: 'The greeting must last more than an instant and at most 60 s; this file lasts 0 s.',
    },
    {
      name: 'not a RIFF file',
      file: () => Buffer.from('ID3\u0004 an MP3, say'),
      fr: 'Ce fichier n’est pas un enregistrement WAV lisible : envoyez un fichier .wav (PCM, µ-law ou A-law).',
      en: 'This file is not a readable WAV recording: send a .wav file (PCM, µ-law or A-law).',
    },
  ];

  for (const { name, file, fr, en } of cases) {
    it(`refuses ${name}, saying so in French and English, writing nothing`, async () => {
      const french = await upload(file());
      expect(french.statusCode).toBe(400);
      expect(french.json()).toMatchObject({ error: 'invalid', message: fr });
      const english = await upload(file(), 'en');
      expect(english.json().message).toBe(en);
      expect(mailboxFiles()).toEqual([]);
      expect(h.context.converter.active).toBe(0);
    });
  }

  it('converts every encoding it accepts to 8 kHz mono of the same length', async () => {
    const oneSecond = (fields: Parameters<typeof wavWith>[0], bytesPerFrame: number) =>
      wavWith(fields, Buffer.alloc(fields.rate * bytesPerFrame, fields.tag === 7 ? 0xff : 0));
    const files = [
      oneSecond({ rate: 8000, bits: 8 }, 1),
      oneSecond({ rate: 11_025, bits: 24, channels: 2 }, 6),
      oneSecond({ rate: 22_050, bits: 32 }, 4),
      oneSecond({ rate: 32_000, bits: 32, tag: 3 }, 4),
      oneSecond({ rate: 48_000, bits: 64, tag: 3, channels: 2 }, 16),
      oneSecond({ rate: 8000, bits: 8, tag: 6 }, 1),
      oneSecond({ rate: 16_000, bits: 8, tag: 7 }, 1),
      toneWav(44_100, 2, 1),
    ];
    for (const [i, file] of files.entries()) {
      const response = await upload(file);
      expect(response.statusCode, `file ${i}: ${response.body}`).toBe(204);
      const stored = readFileSync(join(h.dataDir, 'voicemail', '101', 'greeting.wav'));
      expect(stored.readUInt32LE(24), `file ${i}`).toBe(8000);
      expect(decodeWavTo8kMono(stored, 'greeting').length, `file ${i}`).toBe(8000);
    }
    // The tone comes through the low-pass filter at its level (8000, within 5 %).
    const stored = readFileSync(join(h.dataDir, 'voicemail', '101', 'greeting.wav'));
    const samples = decodeWavTo8kMono(stored, 'greeting').slice(200, 7800);
    expect(Math.max(...samples)).toBeGreaterThan(7600);
    expect(Math.max(...samples)).toBeLessThan(8400);
    expect(mailboxFiles()).toEqual(['greeting.wav']);
  });
});

describe('audio uploads: a conversion that fails or finds no room', () => {
  it('answers 503 with Retry-After when it runs out of time, leaving nothing behind', async () => {
    await ensureBuilt();
    const descriptors = () => readdirSync('/proc/self/fd').length;
    const before = descriptors();
    const h = await startHarness(undefined, {
      converter: new WavConverter({ timeoutMs: 1 }),
    });
    try {
      const alice = await login(h.app, '101', 'change-me-101');
      const response = await h.app.inject({
        method: 'PUT',
        url: `${GREETING}?lang=en`,
        headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, 'content-type': 'audio/wav' },
        payload: toneWav(48_000, 2, 10),
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('30');
      expect(response.json().message).toBe(
        'Converting this audio file did not finish in time: try again in 30 s.',
      );
      expect(readdirSync(join(h.dataDir, 'voicemail', '101'))).toEqual([]);
      expect(h.context.converter.active).toBe(0);
    } finally {
      await h.close();
    }
    // The temporary file's descriptor is closed although its worker was ended mid-way.
    expect(descriptors()).toBe(before);
  });

  it('answers 503 with Retry-After beyond its conversions at once', async () => {
    const h = await startHarness(undefined, { converter: new WavConverter({ maxConcurrent: 1 }) });
    try {
      const alice = await login(h.app, '101', 'change-me-101');
      const put = () =>
        h.app.inject({
          method: 'PUT',
          url: GREETING,
          headers: {
            cookie: alice.cookie,
            'x-csrf-token': alice.csrf,
            'content-type': 'audio/wav',
          },
          payload: toneWav(48_000, 2, 5),
        });
      const [first, second] = await Promise.all([put(), put()]);
      expect([first.statusCode, second.statusCode].sort()).toEqual([204, 503]);
      const busy = first.statusCode === 503 ? first : second;
      expect(busy.headers['retry-after']).toBe('5');
      expect(busy.json().message).toBe(
        'D’autres fichiers audio sont en cours de conversion : réessayez dans 5 s.',
      );
      expect(readdirSync(join(h.dataDir, 'voicemail', '101'))).toEqual(['greeting.wav']);
      expect(h.context.converter.active).toBe(0);
    } finally {
      await h.close();
    }
  });
});
