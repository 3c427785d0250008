/**
 * What a WAV file says about itself, read from its header alone (RIFF chunks up to `data`), and
 * the bounds an uploaded recording must keep before any sample is touched. Every number is checked
 * here, where it is read: a header declaring 1 Hz or a gigabyte of audio is refused in
 * microseconds, not after a resample (issue 14).
 */

/** The encodings an upload may use (WAVE format tags, RFC 2361 appendix A). */
export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

const FORMAT_TAGS: ReadonlyMap<number, WavEncoding> = new Map([
  [0x0001, 'pcm'],
  [0x0003, 'float'],
  [0x0006, 'alaw'],
  [0x0007, 'mulaw'],
]);
/** Encodings people meet and we do not decode, named in the refusal (RFC 2361 appendix A). */
const KNOWN_TAGS: ReadonlyMap<number, string> = new Map([
  [0x0002, 'MS ADPCM'],
  [0x0011, 'IMA ADPCM'],
  [0x0031, 'GSM 6.10'],
  [0x0050, 'MPEG'],
  [0x0055, 'MP3'],
]);
/** WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID. */
const FORMAT_EXTENSIBLE = 0xfffe;
const BITS: Readonly<Record<WavEncoding, readonly number[]>> = {
  pcm: [8, 16, 24, 32],
  float: [32, 64],
  alaw: [8],
  mulaw: [8],
};

export interface WavHeader {
  readonly encoding: WavEncoding;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes of one sample frame (every channel): the fmt chunk's block align. */
  readonly blockAlign: number;
  /** Where the samples start in the file, and how many bytes the header says they take. */
  readonly dataOffset: number;
  readonly dataBytes: number;
  readonly frames: number;
  readonly durationMs: number;
}

/** Why a file is refused, as a code the API words in the user's language, and its numbers. */
export type WavProblem =
  | { reason: 'not-wav' }
  | { reason: 'encoding'; format: string }
  | { reason: 'bits'; bits: number; encoding: WavEncoding }
  | { reason: 'sample-rate'; rate: number; min: number; max: number }
  | { reason: 'channels'; channels: number; max: number }
  | { reason: 'frame'; blockAlign: number; channels: number; bits: number }
  | { reason: 'truncated'; declared: number; present: number }
  | { reason: 'duration'; seconds: number; max: number };

export class WavUploadError extends Error {
  constructor(readonly problem: WavProblem) {
    super(`WAV refused: ${JSON.stringify(problem)}`);
    this.name = 'WavUploadError';
  }
}

/** What an upload may be: a telephone line carries 8 kHz, so less than that is not a recording. */
export interface WavBounds {
  readonly maxMs: number;
  readonly minRate?: number;
  readonly maxRate?: number;
  readonly maxChannels?: number;
}
export const MIN_UPLOAD_RATE = 8000;
export const MAX_UPLOAD_RATE = 192_000;
export const MAX_UPLOAD_CHANNELS = 8;
/** A file is a few chunks (fmt, fact, LIST, data); walking more is walking garbage. */
const MAX_CHUNKS = 64;

const refuse = (problem: WavProblem): never => {
  throw new WavUploadError(problem);
};

/**
 * Reads the header of `bytes` (the whole file) and checks it against `bounds`. Throws
 * `WavUploadError` naming the first thing out of bounds; reads no sample.
 */
export function readWavHeader(bytes: Uint8Array, bounds: WavBounds): WavHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE')
    refuse({ reason: 'not-wav' });
  let fmt: {
    tag: number;
    channels: number;
    rate: number;
    blockAlign: number;
    bits: number;
  } | null = null;
  let offset = 12;
  for (let chunk = 0; chunk < MAX_CHUNKS && offset + 8 <= bytes.length; chunk++) {
    const id = ascii(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) refuse({ reason: 'not-wav' });
      let tag = view.getUint16(body, true);
      if (tag === FORMAT_EXTENSIBLE && size >= 40) tag = view.getUint16(body + 24, true);
      fmt = {
        tag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (fmt === null) refuse({ reason: 'not-wav' });
      return checked(fmt as NonNullable<typeof fmt>, body, size, bytes.length - body, bounds);
    }
    // RIFF: a chunk of odd size is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  return refuse({ reason: 'not-wav' });
}

function checked(
  fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number },
  dataOffset: number,
  dataBytes: number,
  present: number,
  bounds: WavBounds,
): WavHeader {
  const encoding = FORMAT_TAGS.get(fmt.tag);
  if (encoding === undefined) {
    const tag = `0x${fmt.tag.toString(16).padStart(4, '0')}`;
    const name = KNOWN_TAGS.get(fmt.tag);
    return refuse({ reason: 'encoding', format: name === undefined ? tag : `${name}, ${tag}` });
  }
  if (!BITS[encoding].includes(fmt.bits)) refuse({ reason: 'bits', bits: fmt.bits, encoding });
  const min = bounds.minRate ?? MIN_UPLOAD_RATE;
  const max = bounds.maxRate ?? MAX_UPLOAD_RATE;
  if (fmt.rate < min || fmt.rate > max) {
    refuse({ reason: 'sample-rate', rate: fmt.rate, min, max });
  }
  const maxChannels = bounds.maxChannels ?? MAX_UPLOAD_CHANNELS;
  if (fmt.channels < 1 || fmt.channels > maxChannels) {
    refuse({ reason: 'channels', channels: fmt.channels, max: maxChannels });
  }
  if (fmt.blockAlign !== (fmt.channels * fmt.bits) / 8) {
    refuse({ reason: 'frame', blockAlign: fmt.blockAlign, channels: fmt.channels, bits: fmt.bits });
  }
  if (dataBytes > present) refuse({ reason: 'truncated', declared: dataBytes, present });
  const frames = Math.floor(dataBytes / fmt.blockAlign);
  const durationMs = (frames * 1000) / fmt.rate;
  if (frames === 0 || durationMs > bounds.maxMs) {
    refuse({
      reason: 'duration',
      seconds: Math.round(durationMs / 100) / 10,
      max: bounds.maxMs / 1000,
    });
  }
  return {
    encoding,
    channels: fmt.channels,
    sampleRate: fmt.rate,
    bitsPerSample: fmt.bits,
    blockAlign: fmt.blockAlign,
    dataOffset,
    dataBytes,
    frames,
    durationMs,
  };
}
