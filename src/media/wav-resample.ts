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
const ZERO_CROSSINGS = 16;
/** Pass band edge: 90 % of the 4 kHz Nyquist frequency of the output. */
const CUTOFF_HZ = 3600;
/** Kernels kept per rate at most (see `polyphase`). */
const MAX_PHASES = 512;

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

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The low-pass kernels of a rate, one per phase: output sample n sits at input position
 * n × num / den, so its fractional part takes at most `den` values, each with its own set of
 * `taps` coefficients (a Blackman-windowed sinc, normalised to unit gain). Common rates need few
 * phases (44.1 kHz: 80; 48 kHz: 1); an odd rate's phase is rounded to one of MAX_PHASES.
 */
function polyphase(rate: number) {
  const g = gcd(rate, SAMPLE_RATE);
  const num = rate / g;
  const den = SAMPLE_RATE / g;
  const phases = Math.min(den, MAX_PHASES);
  const fc = CUTOFF_HZ / rate;
  const halfWidth = ZERO_CROSSINGS / (2 * fc);
  const reach = Math.ceil(halfWidth);
  const taps = 2 * reach;
  const kernels = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    let sum = 0;
    // Tap j weighs input frame base - reach + 1 + j, at distance frac + reach - 1 - j.
    for (let j = 0; j < taps; j++) {
      const x = frac + reach - 1 - j;
      if (Math.abs(x) >= halfWidth) continue;
      const arg = 2 * Math.PI * fc * x;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      const w =
        0.42 +
        0.5 * Math.cos((Math.PI * x) / halfWidth) +
        0.08 * Math.cos((2 * Math.PI * x) / halfWidth);
      kernels[p * taps + j] = sinc * w;
      sum += sinc * w;
    }
    for (let j = 0; j < taps; j++) kernels[p * taps + j] = (kernels[p * taps + j] as number) / sum;
  }
  return { num, den, phases, reach, taps, kernels };
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

  const { num, den, phases, reach, taps, kernels } = polyphase(sampleRate);
  /** Output n's first input frame and kernel (integers: exact for any length). */
  const place = (n: number): { first: number; kernel: number } => {
    const q = n * num;
    let base = Math.floor(q / den);
    let phase = q - base * den;
    if (phases !== den) {
      phase = Math.round((phase * phases) / den);
      if (phase === phases) {
        phase = 0;
        base++;
      }
    }
    return { first: base - reach + 1, kernel: phase * taps };
  };
  // A window of input frames [windowStart, windowStart + window.length), slid block by block.
  const window = new Float64Array(BLOCK_FRAMES + taps + 2);
  let windowStart = 0;
  let next = 0;
  const fill = () => {
    window.fill(0);
    const first = Math.max(0, windowStart);
    const last = Math.min(frames, windowStart + window.length);
    if (last > first) decode(first, last - first, window, first - windowStart);
  };
  const out = new Int16Array(BLOCK_FRAMES);
  while (next < total) {
    windowStart = place(next).first;
    fill();
    const windowEnd = windowStart + window.length;
    let produced = 0;
    while (next < total && produced < out.length) {
      const { first, kernel } = place(next);
      if (first + taps > windowEnd) break;
      let acc = 0;
      const offset = first - windowStart;
      for (let j = 0; j < taps; j++) {
        acc += (window[offset + j] as number) * (kernels[kernel + j] as number);
      }
      out[produced++] = toInt16(acc);
      next++;
    }
    emit(out.slice(0, produced));
  }
}
