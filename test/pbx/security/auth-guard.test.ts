import { describe, expect, it } from 'vitest';
import { AuthGuard, authenticationOutcome } from '../../../src/pbx/security/auth-guard.js';
import type { DigestFailure } from '../../../src/sip/auth/digest.js';
import { answerChallenge, DigestServer } from '../../../src/sip/auth/digest.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const IP = '203.0.113.66';

const OFFICE = '198.51.100.7';

function failures(
  guard: AuthGuard,
  address: string,
  count: number,
  start = T0,
  step = 1000,
  user: string | undefined = '101',
) {
  const results = [];
  for (let i = 0; i < count; i++) {
    results.push(guard.recordFailure(address, user, start + i * step));
  }
  return results;
}

describe('AuthGuard', () => {
  it('blocks one user from an address at its 10th failure within 60 s, for 300 s, and logs it once', () => {
    const log: string[] = [];
    const guard = new AuthGuard({ log: (m) => log.push(m) });
    const results = failures(guard, IP, 10);
    expect(results.slice(0, 9).every((r) => !r.blockedNow)).toBe(true);
    expect(results[9]).toEqual({ blockedNow: true, blockedUntil: T0 + 9000 + 300_000 });
    expect(log).toEqual([
      `auth-guard: refusing user "101" from ${IP} for 300 s after 10 authentication failures within 60 s`,
    ]);
    expect(guard.isBlocked(IP, '101', T0 + 9000)).toBe(true);
    expect(guard.isBlocked(IP, '101', T0 + 309_000 - 1)).toBe(true);
    expect(guard.isBlocked(IP, '101', T0 + 309_000)).toBe(false);
    expect(guard.isBlocked('198.51.100.1', '101', T0 + 9000)).toBe(false);
    expect(guard.recordFailure(IP, '101', T0 + 10_000)).toEqual({
      blockedNow: false,
      blockedUntil: T0 + 309_000,
    });
    expect(log).toHaveLength(1);
  });

  it('one phone with a wrong password behind a shared NAT does not lock out its neighbours', () => {
    const guard = new AuthGuard();
    expect(failures(guard, OFFICE, 50, T0, 500, '102').some((r) => r.blockedNow)).toBe(true);
    expect(guard.isBlocked(OFFICE, '102', T0 + 25_000)).toBe(true);
    expect(guard.isBlocked(OFFICE, undefined, T0 + 25_000)).toBe(false);
    expect(guard.isBlocked(OFFICE, '101', T0 + 25_000)).toBe(false);
    expect(guard.isBlocked(OFFICE, '103', T0 + 25_000)).toBe(false);
  });

  it('blocks the whole address once 10 different users have failed from it within 60 s', () => {
    const log: string[] = [];
    const guard = new AuthGuard({ log: (m) => log.push(m) });
    const results = Array.from({ length: 10 }, (_, i) =>
      guard.recordFailure(IP, String(200 + i), T0 + i * 1000),
    );
    expect(results.slice(0, 9).every((r) => !r.blockedNow)).toBe(true);
    expect(results[9]).toEqual({ blockedNow: true, blockedUntil: T0 + 9000 + 300_000 });
    expect(log).toEqual([
      `auth-guard: refusing ${IP} for 300 s after authentication failures of 10 users within 60 s`,
    ]);
    expect(guard.isBlocked(IP, undefined, T0 + 9000)).toBe(true);
    expect(guard.isBlocked(IP, '101', T0 + 9000)).toBe(true);
    expect(guard.isBlocked(OFFICE, undefined, T0 + 9000)).toBe(false);
  });

  it('counts failures in a sliding window: slow guessing is not blocked', () => {
    const guard = new AuthGuard();
    const results = failures(guard, IP, 30, T0, 7000);
    expect(results.some((r) => r.blockedNow)).toBe(false);
    expect(guard.isBlocked(IP, '101', T0 + 30 * 7000)).toBe(false);
  });

  it('starts counting afresh once a block has expired', () => {
    const guard = new AuthGuard({ maxFailures: 3, windowSeconds: 60, banSeconds: 10 });
    failures(guard, IP, 3);
    const after = T0 + 2000 + 10_000;
    expect(guard.isBlocked(IP, '101', after)).toBe(false);
    expect(failures(guard, IP, 2, after).some((r) => r.blockedNow)).toBe(false);
    expect(guard.recordFailure(IP, '101', after + 5000).blockedNow).toBe(true);
  });

  it('clears failures on success but does not lift a block', () => {
    const guard = new AuthGuard({ maxFailures: 3 });
    failures(guard, IP, 2);
    guard.recordSuccess(IP, '101');
    expect(guard.recordFailure(IP, '101', T0 + 3000).blockedNow).toBe(false);
    failures(guard, IP, 2, T0 + 4000);
    expect(guard.isBlocked(IP, '101', T0 + 6000)).toBe(true);
    guard.recordSuccess(IP, '101');
    expect(guard.isBlocked(IP, '101', T0 + 6000)).toBe(true);
  });

  it('tracks at most maxTracked pairs and addresses, forgetting the least recently seen', () => {
    const guard = new AuthGuard({ maxFailures: 2, maxUsers: 100, maxTracked: 3 });
    failures(guard, 'a', 2);
    for (const address of ['b', 'c']) guard.recordFailure(address, '101', T0 + 2000);
    expect(guard.isBlocked('a', '101', T0 + 3000)).toBe(true);
    guard.recordFailure('d', '101', T0 + 3000);
    // 'a' was seen last by isBlocked, so 'b' went first.
    expect(guard.isBlocked('a', '101', T0 + 3000)).toBe(true);
    expect(guard.recordFailure('b', '101', T0 + 3000).blockedNow).toBe(false);
    for (let i = 0; i < 10_000; i++) guard.recordFailure(`x${i}`, '101', T0 + 4000);
    expect(guard.size).toBe(6);
  });
});

describe('authenticationOutcome', () => {
  const reasons: DigestFailure[] = [
    'missing',
    'malformed',
    'unknown-user',
    'wrong-password',
    'stale',
    'replay',
    'nonce',
    'realm',
    'algorithm',
    'uri',
  ];
  const outcome = (reason: DigestFailure) =>
    authenticationOutcome({ ok: false, reason, stale: reason === 'stale' || reason === 'replay' });

  it('gives an unknown extension exactly what a wrong password gets: 403, never 404', () => {
    expect(outcome('unknown-user')).toEqual(outcome('wrong-password'));
    expect(outcome('unknown-user')).toEqual({ kind: 'reject', status: 403, failure: true });
    for (const reason of reasons) expect(outcome(reason)).not.toMatchObject({ status: 404 });
  });

  it('challenges a first request, and a stale or replayed one with stale=true, without counting', () => {
    expect(outcome('missing')).toEqual({ kind: 'challenge', stale: false, failure: false });
    expect(outcome('stale')).toEqual({ kind: 'challenge', stale: true, failure: false });
    expect(outcome('replay')).toEqual({ kind: 'challenge', stale: true, failure: false });
    expect(outcome('nonce')).toEqual({ kind: 'challenge', stale: false, failure: true });
    expect(outcome('malformed')).toEqual({ kind: 'reject', status: 400, failure: true });
    expect(authenticationOutcome({ ok: true, username: '101' })).toEqual({
      kind: 'accept',
      username: '101',
      failure: false,
    });
  });

  it('walks an enumeration scan through the same path for existing and missing extensions', () => {
    const server = new DigestServer({ realm: 'pbx', secret: Buffer.alloc(32, 1) }, () => T0);
    const lookup = (user: string) => (user === '101' ? 'secret-101' : null);
    const request = { method: 'REGISTER', uri: 'sip:pbx' };
    const trace = (username: string) => {
      const first = authenticationOutcome(server.verify(undefined, request, lookup));
      const creds = answerChallenge(server.challenge(), {
        username,
        password: 'guess',
        ...request,
      });
      const second = authenticationOutcome(server.verify(creds ?? '', request, lookup));
      return [first, second];
    };
    expect(trace('101')).toEqual(trace('999'));
    const guard = new AuthGuard({ maxUsers: 2 });
    for (const user of ['101', '999']) {
      const [, second] = trace(user);
      if (second?.failure === true) guard.recordFailure(IP, user, T0);
    }
    expect(guard.isBlocked(IP, undefined, T0)).toBe(true);
  });
});
