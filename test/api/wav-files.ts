/** WAV files for the upload tests, including ones whose header lies. */

export interface WavFields {
  rate: number;
  channels?: number;
  bits?: number;
  /** WAVE format tag: 1 PCM, 3 float, 6 A-law, 7 µ-law, 0x11 IMA ADPCM. */
  tag?: number;
  /** Defaults to channels × bits / 8. */
  blockAlign?: number;
  /** The data chunk's size as the header states it; defaults to the real size. */
  declared?: number;
}

/** A 44-byte canonical header with the fields given, then `data`. */
export function wavWith(fields: WavFields, data: Buffer): Buffer {
  const channels = fields.channels ?? 1;
  const bits = fields.bits ?? 16;
  const blockAlign = fields.blockAlign ?? (channels * bits) / 8;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(fields.tag ?? 1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(fields.rate, 24);
  header.writeUInt32LE(Math.min(0xffffffff, fields.rate * blockAlign), 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(fields.declared ?? data.length, 40);
  return Buffer.concat([header, data]);
}

/** `seconds` of a 440 Hz tone at amplitude 8000, 16-bit, the same on every channel. */
export function toneWav(rate: number, channels: number, seconds: number): Buffer {
  const frames = Math.round(rate * seconds);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  return wavWith({ rate, channels }, data);
}
