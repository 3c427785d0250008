import fc from 'fast-check';
import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  answerChallenge,
  digestResponse,
  DigestServer,
  ha1,
} from '../../../src/sip/auth/digest.js';
import type { Ha1Lookup } from '../../../src/sip/auth/digest.js';
import {
  formatAuthHeader,
  parseDigestChallenge,
  parseDigestCredentials,
} from '../../../src/sip/message/index.js';

// Wraps timingSafeEqual in a spy so that the tests can see the response compared through it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = Buffer.alloc(32, 7);
const REALM = 'pbx.example.com';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const REQUEST = { method: 'REGISTER', uri: 'sip:pbx.example.com' };
const users: Record<string, string> = { '101': 'change-me-101', '102': 'change-me-102' };
// The server is given HA1 values, as the store keeps them, never passwords.
const lookup: Ha1Lookup = (username, algorithm) => {
  const password = users[username];
  return password === undefined ? null : ha1(algorithm, username, REALM, password);
};

function server(options: Partial<ConstructorParameters<typeof DigestServer>[0]> = {}) {
  return new DigestServer({ realm: REALM, secret: SECRET, ...options }, () => T0);
}

function answer(
  challenges: string | readonly string[],
  overrides: Partial<Parameters<typeof answerChallenge>[1]> = {},
): string {
  const value = answerChallenge(challenges, {
    username: '101',
    password: 'change-me-101',
    method: REQUEST.method,
    uri: REQUEST.uri,
    ...overrides,
  });
  if (value === null) throw new Error('no supported challenge');
  return value;
}

/** Re-formats credentials with some parameters replaced or removed (undefined). */
function edit(credentials: string, changes: Record<string, string | undefined>): string {
  const parsed = parseDigestCredentials(credentials);
  if (parsed === null) throw new Error('unparsable credentials');
  const params = new Map(parsed.params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) params.delete(name);
    else params.set(name, value);
  }
  const quoted = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque']);
  return formatAuthHeader('Digest', [...params], quoted);
}

describe('digestResponse: RFC test vectors', () => {
  it('reproduces RFC 2617 §3.5 (Mufasa, MD5, qop=auth)', () => {
    expect(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  } as const;

  it('reproduces RFC 7616 §3.9.1 with SHA-256', () => {
    expect(digestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('reproduces RFC 7616 §3.9.1 with MD5', () => {
    expect(digestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe(
      '8ca523f5e9506fed4657c9700eebdbec',
    );
  });

  it('answers the RFC 7616 §3.9.1 challenges, SHA-256 first, echoing opaque', () => {
    const challenge = (algorithm: string) =>
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
      `nonce="${rfc7616.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const value = answer([challenge('SHA-256'), challenge('MD5')], {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      cnonce: rfc7616.cnonce,
    });
    const creds = parseDigestCredentials(value);
    expect(creds).toMatchObject({
      algorithm: 'SHA-256',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      qop: 'auth',
      nc: '00000001',
      cnonce: rfc7616.cnonce,
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('answers without qop the RFC 2069 way and refuses what it cannot answer', () => {
    const creds = parseDigestCredentials(answer('Digest realm="r", nonce="n"'));
    expect(creds?.qop).toBeUndefined();
    expect(creds?.nc).toBeUndefined();
    expect(creds?.response).toBe(
      digestResponse({
        algorithm: 'MD5',
        username: '101',
        realm: 'r',
        password: 'change-me-101',
        method: 'REGISTER',
        uri: REQUEST.uri,
        nonce: 'n',
      }),
    );
    const options = { username: 'a', password: 'b', method: 'INVITE', uri: 'sip:x@y' };
    expect(answerChallenge('Digest realm="r", nonce="n", qop="auth-int"', options)).toBeNull();
    expect(
      answerChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256', options),
    ).toBeNull();
    expect(answerChallenge('Basic realm="r"', options)).toBeNull();
  });

  it('answers a -sess challenge with the session A1 (RFC 7616 §3.4.2)', () => {
    const value = answer('Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess', {
      cnonce: 'c',
    });
    const creds = parseDigestCredentials(value);
    expect(creds?.params.get('algorithm')).toBe('MD5-sess');
    const ha1 = crypto
      .createHash('md5')
      .update(`${crypto.createHash('md5').update('101:r:change-me-101').digest('hex')}:n:c`)
      .digest('hex');
    const ha2 = crypto.createHash('md5').update(`REGISTER:${REQUEST.uri}`).digest('hex');
    const expected = crypto
      .createHash('md5')
      .update(`${ha1}:n:00000001:c:auth:${ha2}`)
      .digest('hex');
    expect(creds?.response).toBe(expected);
  });
});

describe('DigestServer.challenge', () => {
  it('offers SHA-256 then MD5 with one shared nonce, qop=auth (RFC 8760 §2.4)', () => {
    const values = server().challenge();
    expect(values).toHaveLength(2);
    const [sha, md5] = values.map(parseDigestChallenge);
    expect(sha).toMatchObject({ realm: REALM, algorithm: 'SHA-256', qop: ['auth'], stale: false });
    expect(md5).toMatchObject({ realm: REALM, algorithm: 'MD5', qop: ['auth'], stale: false });
    expect(sha?.nonce).toBe(md5?.nonce);
  });

  it('sets stale=true on request and issues distinct nonces even within one millisecond', () => {
    const s = server();
    const [a] = s.challenge({ stale: true }).map(parseDigestChallenge);
    const [b] = s.challenge().map(parseDigestChallenge);
    expect(a?.stale).toBe(true);
    expect(a?.nonce).not.toBe(b?.nonce);
  });

  it('honours the configured algorithm list', () => {
    const values = server({ algorithms: ['MD5'] }).challenge();
    expect(values.map((v) => parseDigestChallenge(v)?.algorithm)).toEqual(['MD5']);
  });
});

describe('DigestServer.verify', () => {
  it('accepts SHA-256 and MD5 round trips through answerChallenge', () => {
    const s = server();
    for (const algorithm of ['SHA-256', 'MD5']) {
      const [challenge] = s.challenge().filter((c) => c.includes(`algorithm=${algorithm},`));
      if (challenge === undefined) throw new Error(`no ${algorithm} challenge`);
      const creds = answer(challenge);
      expect(parseDigestCredentials(creds)?.algorithm).toBe(algorithm);
      expect(s.verify(creds, REQUEST, lookup)).toEqual({ ok: true, username: '101' });
    }
    expect(parseDigestCredentials(answer(s.challenge()))?.algorithm).toBe('SHA-256');
  });

  it('accepts a response in upper-case hex', () => {
    const s = server();
    const creds = answer(s.challenge());
    const upper = edit(creds, { response: parseDigestCredentials(creds)?.response.toUpperCase() });
    expect(s.verify(upper, REQUEST, lookup).ok).toBe(true);
  });

  it('picks the credentials for its own realm among several (RFC 3261 §22.3)', () => {
    const s = server();
    const other = answer('Digest realm="elsewhere", nonce="x", qop="auth"');
    expect(s.verify([other, answer(s.challenge())], REQUEST, lookup).ok).toBe(true);
    expect(s.verify([other], REQUEST, lookup)).toMatchObject({ ok: false, reason: 'realm' });
  });

  it('reports missing and malformed credentials', () => {
    const s = server();
    expect(s.verify(undefined, REQUEST, lookup)).toEqual({
      ok: false,
      reason: 'missing',
      stale: false,
    });
    expect(s.verify([], REQUEST, lookup)).toMatchObject({ reason: 'missing' });
    expect(s.verify('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', REQUEST, lookup)).toMatchObject({
      reason: 'malformed',
    });
    expect(s.verify('Digest username="101", realm=', REQUEST, lookup)).toMatchObject({
      reason: 'malformed',
    });
    const good = answer(s.challenge());
    for (const change of [
      { response: undefined },
      { cnonce: undefined },
      { nc: undefined },
      { nc: '1' },
      { nc: '00000000' },
      { nc: 'zzzzzzzz' },
      { qop: 'auth-int' },
    ]) {
      expect(s.verify(edit(good, change), REQUEST, lookup)).toMatchObject({ reason: 'malformed' });
    }
  });

  it('refuses a wrong password and an unknown user, both with the username, never the password', () => {
    const s = server();
    const wrong = s.verify(answer(s.challenge(), { password: 'guess' }), REQUEST, lookup);
    expect(wrong).toEqual({ ok: false, reason: 'wrong-password', stale: false, username: '101' });
    const unknown = s.verify(answer(s.challenge(), { username: '999' }), REQUEST, lookup);
    expect(unknown).toEqual({ ok: false, reason: 'unknown-user', stale: false, username: '999' });
    expect(JSON.stringify([wrong, unknown])).not.toContain('change-me');
  });

  it('refuses another realm, an algorithm not offered and a digest-uri that is not the request URI', () => {
    const s = server({ algorithms: ['SHA-256'] });
    const [sha] = s.challenge();
    if (sha === undefined) throw new Error('challenge expected');
    const good = answer(sha);
    expect(s.verify(edit(good, { realm: 'other' }), REQUEST, lookup)).toMatchObject({
      reason: 'realm',
    });
    const md5 = answer(sha.replace('algorithm=SHA-256', 'algorithm=MD5'));
    expect(s.verify(md5, REQUEST, lookup)).toMatchObject({ reason: 'algorithm' });
    expect(s.verify(edit(good, { algorithm: 'SHA-256-sess' }), REQUEST, lookup)).toMatchObject({
      reason: 'algorithm',
    });
    expect(s.verify(good, { ...REQUEST, uri: 'sip:other.example.com' }, lookup)).toMatchObject({
      reason: 'uri',
    });
    expect(s.verify(good, { ...REQUEST, method: 'INVITE' }, lookup)).toMatchObject({
      reason: 'wrong-password',
    });
  });

  it('compares the digest-uri with the request URI per RFC 3261 §19.1.4', () => {
    const s = server();
    const creds = answer(s.challenge(), { uri: 'sip:PBX.example.com;transport=udp' });
    expect(
      s.verify(creds, { ...REQUEST, uri: 'sip:pbx.EXAMPLE.com;transport=UDP' }, lookup).ok,
    ).toBe(true);
  });

  it('refuses tampered, truncated and foreign nonces', () => {
    const s = server();
    const good = answer(s.challenge());
    const nonce = parseDigestCredentials(good)?.nonce ?? '';
    const flipped = nonce.slice(0, 3) + (nonce[3] === 'A' ? 'B' : 'A') + nonce.slice(4);
    const foreign = new DigestServer({ realm: REALM, secret: Buffer.alloc(32, 9) }, () => T0);
    for (const bad of [flipped, nonce.slice(0, -2), 'dcd98b7102dd2f0e8b11d0f600bfb0c093', '']) {
      const creds = answer(`Digest realm="${REALM}", nonce="${bad}", qop="auth"`);
      expect(s.verify(creds, REQUEST, lookup)).toMatchObject({ ok: false, reason: 'nonce' });
    }
    expect(foreign.verify(good, REQUEST, lookup)).toMatchObject({ reason: 'nonce' });
    const otherRealm = new DigestServer({ realm: 'other', secret: SECRET }, () => T0);
    const creds = answer(`Digest realm="${REALM}", nonce="${otherRealm.nonce()}", qop="auth"`);
    expect(s.verify(creds, REQUEST, lookup)).toMatchObject({ reason: 'nonce' });
  });

  it('calls a right answer stale after the nonce lifetime, and only a right one (RFC 2617 §3.2.1)', () => {
    const s = server({ nonceLifetimeSeconds: 300 });
    const creds = answer(s.challenge({ now: T0 }));
    expect(s.verify(creds, REQUEST, lookup, T0 + 300_000).ok).toBe(true);
    const late = answer(s.challenge({ now: T0 }), { nc: 1 });
    expect(s.verify(late, REQUEST, lookup, T0 + 300_001)).toEqual({
      ok: false,
      reason: 'stale',
      stale: true,
      username: '101',
    });
    const lateWrong = answer(s.challenge({ now: T0 }), { password: 'guess' });
    expect(s.verify(lateWrong, REQUEST, lookup, T0 + 300_001)).toMatchObject({
      reason: 'wrong-password',
      stale: false,
    });
    const future = answer(s.challenge({ now: T0 + 60_000 }));
    expect(s.verify(future, REQUEST, lookup, T0)).toMatchObject({ reason: 'stale' });
  });

  it('calls a right answer to a nonce from before a restart stale: its nc history is gone', () => {
    const before = server();
    const creds = answer(before.challenge());
    expect(before.verify(creds, REQUEST, lookup, T0 + 10_000).ok).toBe(true);
    expect(server().verify(creds, REQUEST, lookup, T0 + 10_000)).toEqual({
      ok: false,
      reason: 'replay',
      stale: true,
      username: '101',
    });
  });

  it('refuses an nc that does not increase for a nonce (replay), as a stale challenge', () => {
    const s = server();
    const challenge = s.challenge();
    const first = answer(challenge, { nc: 1 });
    expect(s.verify(first, REQUEST, lookup).ok).toBe(true);
    expect(s.verify(first, REQUEST, lookup)).toEqual({
      ok: false,
      reason: 'replay',
      stale: true,
      username: '101',
    });
    expect(s.verify(answer(challenge, { nc: 3 }), REQUEST, lookup).ok).toBe(true);
    expect(s.verify(answer(challenge, { nc: 2 }), REQUEST, lookup)).toMatchObject({
      reason: 'replay',
    });
    expect(s.verify(answer(challenge, { nc: 4 }), REQUEST, lookup).ok).toBe(true);
  });

  it('bounds the replay memory, and refuses as stale a nonce issued before one it forgot', () => {
    let now = T0;
    const s = new DigestServer({ realm: REALM, secret: SECRET, replayCacheSize: 2 }, () => now);
    const first = answer(s.challenge(), { nc: 1 });
    const unused = s.challenge();
    now += 1;
    expect(s.verify(first, REQUEST, lookup).ok).toBe(true);
    expect(s.verify(answer(s.challenge()), REQUEST, lookup).ok).toBe(true);
    expect(s.verify(first, REQUEST, lookup)).toMatchObject({ reason: 'replay' });
    now += 1;
    expect(s.verify(answer(s.challenge()), REQUEST, lookup).ok).toBe(true);
    now += 1;
    expect(s.verify(answer(s.challenge()), REQUEST, lookup).ok).toBe(true);
    // `first` is forgotten now; without the watermark its replay would pass.
    expect(s.verify(first, REQUEST, lookup)).toMatchObject({ reason: 'replay', stale: true });
    expect(s.verify(answer(unused), REQUEST, lookup)).toMatchObject({ reason: 'replay' });
    now += 1;
    expect(s.verify(answer(s.challenge()), REQUEST, lookup).ok).toBe(true);
  });

  it('challenges again the RFC 2069 form (no qop), MD5 and SHA-256 alike (RFC 7616 §3.3)', () => {
    const s = server();
    const nonce = s.nonce();
    const md5 = answer(`Digest realm="${REALM}", nonce="${nonce}", algorithm=MD5`);
    expect(parseDigestCredentials(md5)?.qop).toBeUndefined();
    expect(s.verify(md5, REQUEST, lookup)).toEqual({
      ok: false,
      reason: 'no-qop',
      stale: false,
      username: '101',
    });
    const sha = answer(`Digest realm="${REALM}", nonce="${nonce}", algorithm=SHA-256`);
    expect(s.verify(sha, REQUEST, lookup)).toMatchObject({ reason: 'no-qop' });
  });

  it('rejects a secret too short to be one', () => {
    expect(() => new DigestServer({ realm: REALM, secret: Buffer.alloc(8) })).toThrow(/secret/);
  });
});

describe('constant-time comparisons', () => {
  const spy = vi.mocked(crypto.timingSafeEqual);
  beforeEach(() => {
    spy.mockClear();
  });

  it('compares the response through timingSafeEqual, for right and wrong answers alike', () => {
    const s = server();
    const good = answer(s.challenge());
    const response = parseDigestCredentials(good)?.response ?? '';
    expect(s.verify(good, REQUEST, lookup).ok).toBe(true);
    const compared = spy.mock.calls.map(([a, b]) => [
      Buffer.from(a as Uint8Array).toString(),
      Buffer.from(b as Uint8Array).toString(),
    ]);
    expect(compared).toContainEqual([response, response]);

    spy.mockClear();
    const wrong = answer(s.challenge(), { password: 'guess' });
    expect(s.verify(wrong, REQUEST, lookup).ok).toBe(false);
    const received = parseDigestCredentials(wrong)?.response ?? '';
    expect(
      spy.mock.calls.some(([, b]) => Buffer.from(b as Uint8Array).toString() === received),
    ).toBe(true);
  });

  it('does the same work for an unknown user as for a wrong password', () => {
    const s = server();
    s.verify(answer(s.challenge(), { username: '999' }), REQUEST, lookup);
    const unknownCalls = spy.mock.calls.length;
    spy.mockClear();
    s.verify(answer(s.challenge(), { password: 'guess' }), REQUEST, lookup);
    expect(spy.mock.calls.length).toBe(unknownCalls);
    expect(unknownCalls).toBe(2);
  });
});

describe('property: answerChallenge ∘ challenge always verifies', () => {
  const printable = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
    .filter((s) => [...s].every((ch) => ch >= ' ' && ch !== '\u007f'));
  const method = fc.stringMatching(/^[A-Z]{1,12}$/);
  const uri = fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.domain())
    .map(([user, host]) => `sip:${user}@${host}`);

  it('for random users, passwords, methods, URIs and algorithms', () => {
    fc.assert(
      fc.property(
        printable,
        fc.string({ maxLength: 40 }),
        method,
        uri,
        fc.constantFrom('SHA-256', 'MD5'),
        fc.integer({ min: 1, max: 0xffffffff }),
        (username, password, m, u, algorithm, nc) => {
          const s = server();
          const challenges = s
            .challenge()
            .filter((c) => parseDigestChallenge(c)?.algorithm === algorithm);
          const creds = answerChallenge(challenges, { username, password, method: m, uri: u, nc });
          expect(creds).not.toBeNull();
          const result = s.verify(creds ?? '', { method: m, uri: u }, (name, a) =>
            name === username ? ha1(a, username, s.realm, password) : null,
          );
          expect(result).toEqual({ ok: true, username });
          const wrong = s.verify(creds ?? '', { method: m, uri: u }, (name, a) =>
            ha1(a, name, s.realm, `${password}x`),
          );
          expect(wrong).toMatchObject({ ok: false, reason: 'wrong-password' });
        },
      ),
      { numRuns: 300 },
    );
  });
});
