/**
 * The samples of a checked WAV (wav-header.ts) as 8 kHz 16-bit mono, block by block: channels
 * averaged, then low-passed below 4 kHz and decimated with a windowed-sinc kernel. Memory stays a
 * few blocks whatever the file's length; the output is exactly floor(frames × 8000 / rate)
 * samples. Pure computation: it runs in the conversion worker (wav-conversion-worker.ts).
 */
import alawmulaw from 'alawmulaw';
import { SAMPLE_RATE } from './g711.js';
import type { WavHeader } from './wav-header.js';

/** Frames decoded per block. */
const BLOCK_FRAMES = 8192;
/** Zero crossings of the sinc on each side: the filter's length, traded against its sharpness. */
const ZERO_CROSSINGS = 8;
/** Pass band edge: 90 % of the 4 kHz Nyquist frequency of the output. */
const CUTOFF_HZ = 3600;
/** Kernel table resolution, in steps per input sample (linear interpolation between steps). */
const TABLE_STEPS = 64;

type FrameReader = (view: DataView, at: number) => number;

/** One sample, as a number in [-1, 1), at byte `at`. */
function sampleReader(header: WavHeader): FrameReader {
  switch (header.encoding) {
    case 'alaw':
      return (view, at) => alawmulaw.alaw.decodeSample(view.getUint8(at)) / 32768;
    case 'mulaw':
      return (view, at) => alawmulaw.mulaw.decodeSample(view.getUint8(at)) / 32768;
    case 'float':
      return header.bitsPerSample === 64
        ? (view, at) => view.getFloat64(at, true)
        : (view, at) => view.getFloat32(at, true);
    case 'pcm':
      switch (header.bitsPerSample) {
        // 8-bit WAV is unsigned, centred on 128.
        case 8:
          return (view, at) => (view.getUint8(at) - 128) / 128;
        case 16:
          return (view, at) => view.getInt16(at, true) / 32768;
        case 24:
          return (view, at) =>
            (view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) /
            8388608;
        default:
          return (view, at) => view.getInt32(at, true) / 2147483648;
      }
  }
}

/** Blackman-windowed sinc, sampled TABLE_STEPS times per input sample from 0 to its half width. */
function kernelTable(rate: number): { table: Float64Array; halfWidth: number } {
  const fc = CUTOFF_HZ / rate;
  const halfWidth = ZERO_CROSSINGS / (2 * fc);
  const table = new Float64Array(Math.ceil(halfWidth * TABLE_STEPS) + 2);
  for (let i = 0; i < table.length; i++) {
    const x = i / TABLE_STEPS;
    if (x >= halfWidth) break;
    const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * fc * x) / (2 * Math.PI * fc * x);
    const w =
      0.42 +
      0.5 * Math.cos((Math.PI * x) / halfWidth) +
      0.08 * Math.cos((2 * Math.PI * x) / halfWidth);
    table[i] = 2 * fc * sinc * w;
  }
  return { table, halfWidth };
}

function toInt16(v: number): number {
  const s = Math.round(v * 32767);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

/**
 * Calls `emit` with successive blocks of 8 kHz 16-bit mono until the whole of `header.frames` is
 * converted. `bytes` is the whole file. `emit` may throw to stop the conversion.
 */
export function resampleTo8kMono(
  bytes: Uint8Array,
  header: WavHeader,
  emit: (pcm: Int16Array) => void,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = sampleReader(header);
  const { channels, blockAlign, dataOffset, frames, sampleRate } = header;
  const bytesPerSample = header.bitsPerSample / 8;
  const total = Math.floor((frames * SAMPLE_RATE) / sampleRate);

  /** Mono frames [from, from + count) as numbers. */
  const decode = (from: number, count: number, into: Float64Array, at: number) => {
    for (let f = 0; f < count; f++) {
      let sum = 0;
      const base = dataOffset + (from + f) * blockAlign;
      for (let c = 0; c < channels; c++) sum += read(view, base + c * bytesPerSample);
      into[at + f] = sum / channels;
    }
  };

  if (sampleRate === SAMPLE_RATE) {
    const block = new Float64Array(BLOCK_FRAMES);
    for (let from = 0; from < frames; from += BLOCK_FRAMES) {
      const count = Math.min(BLOCK_FRAMES, frames - from);
      decode(from, count, block, 0);
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = toInt16(block[i] as number);
      emit(out);
    }
    return;
  }

  const { table, halfWidth } = kernelTable(sampleRate);
  const ratio = sampleRate / SAMPLE_RATE;
  const reach = Math.ceil(halfWidth);
  // A window of input frames [windowStart, windowStart + window.length), slid block by block:
  // each output sample needs the input within `halfWidth` of its position on both sides.
  const window = new Float64Array(BLOCK_FRAMES + 2 * reach + 2);
  let windowStart = -reach - 1;
  let next = 0;
  const fill = () => {
    window.fill(0);
    const first = Math.max(0, windowStart);
    const last = Math.min(frames, windowStart + window.length);
    if (last > first) decode(first, last - first, window, first - windowStart);
  };
  fill();
  const out = new Int16Array(Math.ceil(BLOCK_FRAMES / ratio) + 1);
  while (next < total) {
    let produced = 0;
    const windowEnd = windowStart + window.length;
    while (next < total && produced < out.length) {
      const position = next * ratio;
      const lo = Math.ceil(position - halfWidth);
      const hi = Math.floor(position + halfWidth);
      if (hi >= windowEnd) break;
      let acc = 0;
      for (let k = lo; k <= hi; k++) {
        const t = Math.abs(position - k) * TABLE_STEPS;
        const i = Math.floor(t);
        const h =
          (table[i] as number) + ((table[i + 1] as number) - (table[i] as number)) * (t - i);
        acc += (window[k - windowStart] as number) * h;
      }
      out[produced++] = toInt16(acc);
      next++;
    }
    if (produced > 0) emit(out.slice(0, produced));
    windowStart = Math.floor(next * ratio - halfWidth) - 1;
    fill();
  }
}
