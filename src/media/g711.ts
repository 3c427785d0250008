/**
 * G.711 (ITU-T G.711; RTP payload types 0 PCMU and 8 PCMA, RFC 3551 §4.5.14) for whole frames.
 * Only `alawmulaw`'s array functions are used: its single-sample µ-law encoder returns a negative
 * number instead of an octet, which the Uint8Array of the array function masks.
 */
import alawmulaw from 'alawmulaw';

export type G711Codec = 'PCMU' | 'PCMA';

export const SAMPLE_RATE = 8000;
/** 20 ms at 8 kHz: one frame, one RTP packet (RFC 3551 §4.5: default packetisation 20 ms). */
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

export const PAYLOAD_TYPE: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };

export function codecForPayloadType(payloadType: number): G711Codec | undefined {
  if (payloadType === 0) return 'PCMU';
  if (payloadType === 8) return 'PCMA';
  return undefined;
}

export function encodeG711(codec: G711Codec, pcm: Int16Array): Uint8Array {
  return codec === 'PCMU' ? alawmulaw.mulaw.encode(pcm) : alawmulaw.alaw.encode(pcm);
}

/**
 * `encodeG711` into a buffer the caller keeps (the player encodes a frame per stream per tick, so
 * it reuses one rather than allocating). `out` must be as long as `pcm`; it is returned.
 */
export function encodeG711Into(codec: G711Codec, pcm: Int16Array, out: Uint8Array): Uint8Array {
  if (out.length < pcm.length) {
    throw new RangeError(`G.711 output of ${out.length} octets for ${pcm.length} samples`);
  }
  const encodeSample =
    codec === 'PCMU' ? alawmulaw.mulaw.encodeSample : alawmulaw.alaw.encodeSample;
  // The mask turns the µ-law encoder's negative results into octets, as the array form does.
  for (let i = 0; i < pcm.length; i++) out[i] = encodeSample(pcm[i] as number) & 0xff;
  return out;
}

export function decodeG711(codec: G711Codec, encoded: Uint8Array): Int16Array {
  return codec === 'PCMU' ? alawmulaw.mulaw.decode(encoded) : alawmulaw.alaw.decode(encoded);
}

const silence = new Map<G711Codec, Uint8Array>();

/** One frame of digital silence, encoded once per codec (0xFF in µ-law, 0xD5 in A-law). */
export function silentFrame(codec: G711Codec): Uint8Array {
  let frame = silence.get(codec);
  if (!frame) {
    frame = encodeG711(codec, new Int16Array(FRAME_SAMPLES));
    silence.set(codec, frame);
  }
  return frame;
}
