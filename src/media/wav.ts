/**
 * WAV files (RIFF WAVE, Microsoft's format; canonical 44-byte header for what we write): prompts
 * read into 8 kHz 16-bit mono PCM whatever their rate, depth or channels, with a bounded cache; a
 * header writer for the recorder; and `repairWav`, which makes a file whose writer died before it
 * could update the header valid again.
 */
import { open, readFile, stat } from 'node:fs/promises';
import wavefile from 'wavefile';
import { SAMPLE_RATE } from './g711.js';

export class WavFormatError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WavFormatError';
  }
}

export const WAV_HEADER_BYTES = 44;
/** Offsets of the two sizes in the canonical header. */
const RIFF_SIZE_OFFSET = 4;
const DATA_SIZE_OFFSET = 40;

/** The canonical header for 16-bit linear PCM (WAVE_FORMAT_PCM = 1). */
export function wavHeader(dataBytes: number, sampleRate = SAMPLE_RATE, channels = 1): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = channels * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, RIFF_SIZE_OFFSET);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, DATA_SIZE_OFFSET);
  return header;
}

/** The two size fields of a canonical header, for a recorder that updates them in place. */
export function wavSizeFields(dataBytes: number): { offset: number; bytes: Buffer }[] {
  const riff = Buffer.alloc(4);
  riff.writeUInt32LE(36 + dataBytes);
  const data = Buffer.alloc(4);
  data.writeUInt32LE(dataBytes);
  return [
    { offset: RIFF_SIZE_OFFSET, bytes: riff },
    { offset: DATA_SIZE_OFFSET, bytes: data },
  ];
}

/** A whole mono 16-bit WAV file in memory (tests, generated prompts). */
export function encodeWav(pcm: Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  return Buffer.concat([wavHeader(data.length, sampleRate), data]);
}

function toInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] as number) * 32767);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/**
 * Decode any WAV wavefile understands (PCM 8-32 bit, float, µ-law, A-law, IMA ADPCM; any rate and
 * channel count) into 8 kHz 16-bit mono: channels averaged, rate converted with wavefile's cubic
 * interpolation behind its low-pass filter.
 */
export function decodeWavTo8kMono(bytes: Uint8Array, name = 'WAV data'): Int16Array {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new WavFormatError(`${name} is not a WAV file: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Read before any conversion: wavefile rebuilds and clears its fmt object on conversion.
  const { numChannels, sampleRate } = wav.fmt as { numChannels: number; sampleRate: number };
  try {
    if (wav.bitDepth === '8m') wav.fromMuLaw();
    else if (wav.bitDepth === '8a') wav.fromALaw();
    else if (wav.bitDepth === '4') wav.fromIMAADPCM();
    const isPlain16k8 = wav.bitDepth === '16' && numChannels === 1 && sampleRate === SAMPLE_RATE;
    if (isPlain16k8) return wav.getSamples(false, Int16Array) as unknown as Int16Array;
    wav.toBitDepth('32f');
  } catch (err) {
    throw new WavFormatError(`${name}: unsupported WAV encoding: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // getSamples(false) gives one array per channel when there are several, a single one otherwise.
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = Array.isArray(raw) ? raw : [raw];
  const length = channels[0]?.length ?? 0;
  const mono = new Float64Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) mono[i] = (mono[i] as number) + (channel[i] as number);
  }
  if (channels.length > 1)
    for (let i = 0; i < length; i++) mono[i] = (mono[i] as number) / channels.length;
  if (sampleRate === SAMPLE_RATE || length === 0) return toInt16(mono);
  const resampler = new wavefile.WaveFile();
  resampler.fromScratch(1, sampleRate, '32f', mono);
  resampler.toSampleRate(SAMPLE_RATE);
  return toInt16(resampler.getSamples(false, Float64Array) as unknown as Float64Array);
}

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly pcm: Promise<Int16Array>;
}

/**
 * Prompts decoded once and kept, per path. An entry is reused only while the file's size and
 * modification time are unchanged, so a prompt an admin replaced is read again. The least recently
 * used entries go past `maxEntries` (voicemail messages are played through it too).
 */
export class WavCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly maxEntries = 128) {}

  get size(): number {
    return this.entries.size;
  }

  async load(path: string): Promise<Int16Array> {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw new WavFormatError(`cannot read WAV file ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const cached = this.entries.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      this.entries.delete(path);
      this.entries.set(path, cached);
      return cached.pcm;
    }
    const pcm = readFile(path).then((bytes) => decodeWavTo8kMono(bytes, path));
    const entry = { mtimeMs: info.mtimeMs, size: info.size, pcm };
    this.entries.set(path, entry);
    // A failed read must not stay cached.
    pcm.catch(() => {
      if (this.entries.get(path) === entry) this.entries.delete(path);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return pcm;
  }
}

/**
 * Make a WAV file whose header sizes are stale (its writer was killed) valid: walk the chunks to
 * `data`, set its size to what the file holds (whole sample frames only), set the RIFF size, and
 * drop a trailing partial frame. Returns the number of data bytes. Throws `WavFormatError` when the
 * file has no RIFF/WAVE header, fmt chunk or data chunk.
 */
export async function repairWav(path: string): Promise<number> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await file.read(head, 0, head.length, 0);
    if (
      head.length < 12 ||
      head.toString('ascii', 0, 4) !== 'RIFF' ||
      head.toString('ascii', 8, 12) !== 'WAVE'
    ) {
      throw new WavFormatError(`${path} has no RIFF/WAVE header`);
    }
    let offset = 12;
    let blockAlign = 0;
    while (offset + 8 <= head.length) {
      const id = head.toString('ascii', offset, offset + 4);
      const chunkSize = head.readUInt32LE(offset + 4);
      if (id === 'fmt ' && offset + 22 <= head.length) {
        blockAlign = head.readUInt16LE(offset + 8 + 12);
      }
      if (id === 'data') {
        if (blockAlign === 0) throw new WavFormatError(`${path} has no fmt chunk before data`);
        const dataStart = offset + 8;
        const available = Math.max(0, size - dataStart);
        const dataBytes = available - (available % blockAlign);
        const sizes = Buffer.alloc(4);
        sizes.writeUInt32LE(dataBytes);
        await file.write(sizes, 0, 4, offset + 4);
        sizes.writeUInt32LE(dataStart - 8 + dataBytes);
        await file.write(sizes, 0, 4, RIFF_SIZE_OFFSET);
        if (dataStart + dataBytes < size) await file.truncate(dataStart + dataBytes);
        return dataBytes;
      }
      // RIFF: a chunk of odd size is followed by one pad byte.
      offset += 8 + chunkSize + (chunkSize % 2);
    }
    throw new WavFormatError(`${path} has no data chunk`);
  } finally {
    await file.close();
  }
}
