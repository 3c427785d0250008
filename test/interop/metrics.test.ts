/**
 * `/metrics` on the real HTTP server of a PBX that SIPp phones register and call through: the
 * counters move with what happened, and only an admin, this machine or the token holder reads them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startApi } from '../../src/api/server.js';
import { PbxMetrics } from '../../src/pbx/metrics.js';
import { OUTSIDE_CALLERS, expectQuiet, phone, sipp, startCallPbx } from './harness.js';
import type { TestPbx } from './harness.js';

// SIPp's calls come without credentials: an outside caller the setting lets in.
const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100', role: 'admin' },
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
  ],
};

/** The value of one sample of an exposition, or undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe('/metrics', () => {
  let t: TestPbx;
  let api: Awaited<ReturnType<typeof startApi>>;
  let url: string;
  const token = 'scrape-token-for-tests';
  // One API without a token (loopback scrapes), one with: the same PBX's registry behind both.
  let tokenApi: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    t = await startCallPbx(DIRECTORY);
    const common = {
      db: t.db,
      dataDir: t.dataDir,
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      webRoot: '/nonexistent',
    };
    api = await startApi({ ...common, metrics: { metrics: t.pbx.metrics, token: null } });
    tokenApi = await startApi({ ...common, metrics: { metrics: t.pbx.metrics, token } });
    url = `http://127.0.0.1:${api.port}/metrics`;
  });
  afterAll(async () => {
    await api.close();
    await tokenApi.close();
    await t.remove();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  }

  it('counts registrations and calls by outcome as SIPp phones register and call', async () => {
    const before = await scrape();
    expect(sample(before, 'renvoi_registrations_active')).toBe(0);
    expect(sample(before, 'renvoi_calls_total', 'outcome="answered"')).toBe(0);
    expect(sample(before, 'renvoi_sip_shed_total', 'method="INVITE",reason="load"')).toBe(0);

    const uas = await phone(t, '100');
    expect(sample(await scrape(), 'renvoi_registrations_active')).toBe(1);
    const uac = await sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(uac.code, uac.stdout + uac.stderr).toBe(0);
    expect((await uas.done).code).toBe(0);
    await expectQuiet(t);

    const after = await scrape();
    expect(sample(after, 'renvoi_calls_total', 'outcome="answered"')).toBe(1);
    expect(sample(after, 'renvoi_calls_active')).toBe(0);
  });

  it('counts failed web logins', async () => {
    const login = await fetch(`http://127.0.0.1:${api.port}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extension: '101', password: 'wrong' }),
    });
    expect(login.status).toBe(401);
    expect(sample(await scrape(), 'renvoi_auth_failures_total', 'protocol="web"')).toBe(1);
  });

  it('refuses a scraper elsewhere without a session, and serves an admin session from anywhere', async () => {
    const remote = '192.0.2.7';
    const refused = await api.app.inject({
      url: '/metrics',
      remoteAddress: remote,
      headers: { 'accept-language': 'en' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toContain('RENVOI_METRICS_TOKEN');

    const asUser = await loginCookie(api, '101');
    const user = await api.app.inject({
      url: '/metrics',
      remoteAddress: remote,
      headers: { cookie: asUser },
    });
    expect(user.statusCode).toBe(403);

    const asAdmin = await loginCookie(api, '100');
    const admin = await api.app.inject({
      url: '/metrics',
      remoteAddress: remote,
      headers: { cookie: asAdmin },
    });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toContain('renvoi_calls_active');
  });

  it('with a token, wants it even from loopback', async () => {
    const tokenUrl = `http://127.0.0.1:${tokenApi.port}/metrics`;
    expect((await fetch(tokenUrl)).status).toBe(403);
    const wrong = await fetch(tokenUrl, { headers: { authorization: 'Bearer not-it' } });
    expect(wrong.status).toBe(403);
    const right = await fetch(tokenUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('renvoi_registrations_active 1');
  });

  // Last: it blocks 127.0.0.1, where every peer of this file comes from.
  it('counts SIP authentication failures and the address they block', async () => {
    const refused = await sipp(t, 'register-refused.xml', [
      '-s',
      '101',
      '-au',
      '101',
      '-ap',
      'wrong-password',
      '-m',
      '10',
    ]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    const text = await scrape();
    expect(sample(text, 'renvoi_auth_failures_total', 'protocol="sip"')).toBe(10);
    expect(sample(text, 'renvoi_address_blocks_total')).toBe(1);
    expect(sample(text, 'renvoi_blocked_addresses')).toBe(1);
  });
});

describe('PbxMetrics', () => {
  it("includes the process's event-loop delay by default", async () => {
    const { body } = await new PbxMetrics().exposition();
    expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
  });
});

async function loginCookie(
  api: Awaited<ReturnType<typeof startApi>>,
  extension: string,
): Promise<string> {
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { extension, password: `secret-of-${extension}` },
  });
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((c) => c.name === 'renvoi_session');
  if (cookie === undefined) throw new Error('no session cookie');
  return `renvoi_session=${cookie.value}`;
}
