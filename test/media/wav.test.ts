import {
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import {
  WavCache,
  WavFormatError,
  decodeWavTo8kMono,
  encodeWav,
  repairWav,
  wavHeader,
} from '../../src/media/wav.js';
import { toneRatio } from '../../src/media/tone-analysis.js';

const dir = mkdtempSync(join(tmpdir(), 'renvoi-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sine = (hz: number, rate: number, n: number) =>
  Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)));

describe('WAV decoding to 8 kHz 16-bit mono', () => {
  it('reads our own format as is', () => {
    const pcm = Int16Array.from(sine(1000, 8000, 800));
    expect([...decodeWavTo8kMono(encodeWav(pcm))]).toEqual([...pcm]);
  });

  it('converts 44.1 kHz stereo 16-bit to 8 kHz mono, keeping length and pitch', () => {
    const wav = new wavefile.WaveFile();
    const left = sine(440, 44100, 44100);
    wav.fromScratch(2, 44100, '16', [left, left]);
    const pcm = decodeWavTo8kMono(wav.toBuffer());
    expect(Math.abs(pcm.length - 8000)).toBeLessThanOrEqual(2);
    expect(toneRatio(pcm.subarray(1000, 1800), 440)).toBeGreaterThan(0.9);
  });

  it('converts 8-bit, 24-bit, float and µ-law files', () => {
    for (const depth of ['8', '24', '32f']) {
      const wav = new wavefile.WaveFile();
      wav.fromScratch(1, 16000, '16', sine(1000, 16000, 16000));
      wav.toBitDepth(depth);
      const pcm = decodeWavTo8kMono(wav.toBuffer());
      expect(pcm.length).toBeGreaterThan(7990);
      expect(toneRatio(pcm.subarray(800, 1600), 1000)).toBeGreaterThan(0.9);
    }
    const mulaw = new wavefile.WaveFile();
    mulaw.fromScratch(1, 8000, '16', sine(1000, 8000, 8000));
    mulaw.toMuLaw();
    const pcm = decodeWavTo8kMono(mulaw.toBuffer());
    expect(pcm.length).toBe(8000);
    expect(toneRatio(pcm.subarray(0, 800), 1000)).toBeGreaterThan(0.9);
  });

  it('says what is wrong with a file that is not WAV', () => {
    expect(() => decodeWavTo8kMono(Buffer.from('not a wav file at all'), 'hello.wav')).toThrow(
      /hello\.wav is not a WAV file/,
    );
  });
});

describe('WavCache', () => {
  it('decodes a file once and reads it again when it is replaced', async () => {
    const path = join(dir, 'prompt.wav');
    writeFileSync(path, encodeWav(Int16Array.of(1, 2, 3)));
    const cache = new WavCache();
    const a = await cache.load(path);
    expect(await cache.load(path)).toBe(a);
    writeFileSync(path, encodeWav(Int16Array.of(4, 5, 6, 7)));
    expect([...(await cache.load(path))]).toEqual([4, 5, 6, 7]);
  });

  it('fails with WavFormatError for a missing file and does not cache the failure', async () => {
    const cache = new WavCache();
    await expect(cache.load(join(dir, 'missing.wav'))).rejects.toThrow(WavFormatError);
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries', async () => {
    const cache = new WavCache(2);
    for (const name of ['a', 'b', 'c']) {
      const path = join(dir, `${name}.wav`);
      writeFileSync(path, encodeWav(Int16Array.of(1)));
      await cache.load(path);
    }
    expect(cache.size).toBe(2);
  });
});

describe('repairWav', () => {
  it('sets the sizes of a file whose header was never updated', async () => {
    const path = join(dir, 'killed.wav');
    writeFileSync(path, wavHeader(0));
    const samples = Int16Array.from(sine(1000, 8000, 4000));
    appendFileSync(path, Buffer.from(samples.buffer));
    appendFileSync(path, Buffer.from([1])); // half a sample: the write the kill cut short
    expect(await repairWav(path)).toBe(8000);
    expect(statSync(path).size).toBe(44 + 8000);
    const repaired = new wavefile.WaveFile(readFileSync(path));
    expect((repaired.getSamples(false, Int16Array) as unknown as Int16Array).length).toBe(4000);
    expect(readFileSync(path).readUInt32LE(4)).toBe(36 + 8000);
  });

  it('refuses a file that is not WAV', async () => {
    const path = join(dir, 'text.wav');
    writeFileSync(path, 'hello');
    await expect(repairWav(path)).rejects.toThrow(/no RIFF\/WAVE header/);
  });
});
