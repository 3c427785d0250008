import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711, encodeG711Into, silentFrame } from '../../src/media/g711.js';

describe('G.711', () => {
  it('encodes silence as 0xFF (µ-law) and 0xD5 (A-law)', () => {
    expect([...silentFrame('PCMU')].every((b) => b === 0xff)).toBe(true);
    expect([...silentFrame('PCMA')].every((b) => b === 0xd5)).toBe(true);
    expect(silentFrame('PCMU')).toHaveLength(160);
  });

  it('maps full scale to the extreme code words', () => {
    expect([...encodeG711('PCMU', Int16Array.of(32767, -32768))]).toEqual([0x80, 0x00]);
    expect([...encodeG711('PCMA', Int16Array.of(32767, -32768))]).toEqual([0xaa, 0x2a]);
    expect([...decodeG711('PCMU', Uint8Array.of(0x80, 0x00))]).toEqual([32124, -32124]);
    expect([...decodeG711('PCMA', Uint8Array.of(0xaa, 0x2a))]).toEqual([32256, -32256]);
  });

  it("gives octets, where the library's single-sample µ-law encoder gives negative numbers", () => {
    const encoded = encodeG711('PCMU', Int16Array.of(-5, 0, 5));
    expect([...encoded].every((b) => b >= 0 && b <= 255)).toBe(true);
  });

  for (const codec of ['PCMU', 'PCMA'] as const) {
    it(`${codec}: encoding into a reused buffer gives what encoding afresh gives`, () => {
      const pcm = new Int16Array(65536);
      for (let i = 0; i < pcm.length; i++) pcm[i] = i - 32768;
      const out = new Uint8Array(65536).fill(0x55);
      expect(encodeG711Into(codec, pcm, out)).toBe(out);
      expect(out).toEqual(encodeG711(codec, pcm));
      expect(() => encodeG711Into(codec, pcm, new Uint8Array(10))).toThrow(RangeError);
    });

    it(`${codec}: round trip stays within the logarithmic step (about 1/16 of the value)`, () => {
      const pcm = new Int16Array(65536);
      for (let i = 0; i < pcm.length; i++) pcm[i] = i - 32768;
      const back = decodeG711(codec, encodeG711(codec, pcm));
      const worst: number[] = [];
      for (let i = 0; i < pcm.length; i++) {
        const x = pcm[i] as number;
        // Both laws top out near 32124/32256: beyond it the error is the clipping.
        const clipped = Math.max(-32124, Math.min(32124, x));
        const bound = Math.max(16, Math.abs(clipped) / 16) + Math.abs(x - clipped) + 132;
        if (Math.abs((back[i] as number) - x) > bound) worst.push(x);
      }
      expect(worst).toEqual([]);
    });

    it(`${codec}: decoding is the identity on its own code words after one round`, () => {
      const codes = new Uint8Array(256).map((_, i) => i);
      const once = decodeG711(codec, codes);
      const twice = decodeG711(codec, encodeG711(codec, once));
      expect([...twice]).toEqual([...once]);
    });
  }
});
