import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PIN_HASH } from '../../src/domain/credentials.js';
import { hashPin, pinMatches } from '../../src/store/credentials.js';

describe('voicemail PIN hashes', () => {
  it('hashes with a fresh salt each time and checks the PIN against the hash only', async () => {
    const [a, b] = [await hashPin('1234'), await hashPin('1234')];
    expect(a).toMatch(PIN_HASH);
    expect(a).not.toBe(b);
    expect(a).not.toContain('1234');
    expect(await pinMatches({ hash: a }, '1234')).toBe(true);
    expect(await pinMatches({ hash: b }, '1234')).toBe(true);
    expect(await pinMatches({ hash: a }, '12345')).toBe(false);
    expect(await pinMatches({ hash: a }, '')).toBe(false);
  });

  it('checks a hash made with another cost, and refuses one that is not a hash', async () => {
    const salt = Buffer.alloc(16, 3);
    const key = scryptSync('987654', salt, 32, { N: 16_384, r: 8, p: 1 });
    const other = `$scrypt$N=16384,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await pinMatches({ hash: other }, '987654')).toBe(true);
    expect(await pinMatches({ hash: other }, '987655')).toBe(false);
    const notPowerOfTwo = other.replace('N=16384', 'N=1000');
    expect(await pinMatches({ hash: notPowerOfTwo }, '987654')).toBe(false);
    expect(await pinMatches({ hash: '1234' }, '1234')).toBe(false);
  });
});
