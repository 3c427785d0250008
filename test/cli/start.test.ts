import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runStart } from '../../src/cli/commands/start.js';
import { CERTIFICATE_FILE, KEY_FILE } from '../../src/store/certificate.js';
import { eventually, freePort } from '../interop/harness.js';

describe('renvoi start, the first time', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the demo directory, prints working credentials and a PIN for each, and stops', async () => {
    const lines: string[] = [];
    let stop = (): void => undefined;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const running = runStart({
      dataDir,
      host: '127.0.0.1',
      sipPort: await freePort(),
      wsPort: 0,
      httpPort: 0,
      tlsPort: 0,
      wssPort: 0,
      httpsPort: 0,
      out: (s) => lines.push(s),
      err: (s) => lines.push(`ERR ${s}`),
      stopSignal,
      log: pino({ level: 'silent' }),
    });
    await eventually(
      () => lines.some((l) => l.startsWith('Try a decision') || l.startsWith('ERR')),
      'the credentials to be printed',
      10_000,
    );
    const web = lines.map((l) => /^Web client: (http:\S+)/.exec(l)?.[1]).find(Boolean);
    const users = lines
      .map((l) =>
        /extension (\d+) \(([^)]*)\): user \d+, password (\S+), voicemail PIN (\d{4})/.exec(l),
      )
      .filter((m): m is RegExpExecArray => m !== null);
    expect(users.map((m) => m[1])).toEqual(['100', '101', '102']);
    expect(users[0]?.[2]).toContain('admin');
    expect(new Set(users.map((m) => m[3])).size).toBe(3);
    if (web === undefined) throw new Error(lines.join('\n'));

    // The printed password opens the web client; a wrong one does not.
    const login = (extension: string, password: string) =>
      fetch(new URL('/api/session', web), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extension, password }),
      });
    const alice = users[1];
    expect((await login('101', alice?.[3] ?? '')).status).toBe(200);
    expect((await login('101', 'change-me-101')).status).toBe(401);
    // A scraper on this machine reads the metrics, the failed login above counted.
    const metrics = await fetch(new URL('/metrics', web));
    expect(metrics.status).toBe(200);
    const exposition = await metrics.text();
    expect(exposition).toMatch(/^renvoi_auth_failures_total\{protocol="web"\} 1$/m);
    // Overload control's state is there for an operator.
    expect(exposition).toMatch(/^renvoi_overload_shed_ratio [\d.]+$/m);
    expect(exposition).toMatch(/^renvoi_event_loop_utilization [\d.e-]+$/m);
    expect(exposition).toMatch(/^renvoi_sip_shed_total\{method="INVITE",reason="load"\} 0$/m);

    // Every port is printed, and the certificate made now with the fingerprint of its file.
    expect(lines.find((l) => l.startsWith('Ports: '))).toMatch(
      /^Ports: SIP over UDP and TCP \d+, SIP over TLS \d+, SIP over WebSocket \d+, SIP over secure WebSocket \d+, HTTP \d+, HTTPS \d+, RTP and RTCP \d+-\d+$/,
    );
    const certLine = lines.find((l) => l.startsWith('TLS certificate'));
    const fingerprint = fingerprintOf(join(dataDir, CERTIFICATE_FILE));
    expect(certLine).toBe(
      `TLS certificate (self-signed, made now, ${join(dataDir, CERTIFICATE_FILE)}): SHA-256 ${fingerprint}`,
    );
    expect(statSync(join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const secure = lines
      .map((l) => /^Web client over HTTPS: (https:\S+)/.exec(l)?.[1])
      .find(Boolean);
    if (secure === undefined) throw new Error(lines.join('\n'));
    // Over HTTPS, verified against the certificate itself, the session cookie is Secure.
    const secureLogin = await httpsPost(
      new URL('/api/session', secure),
      JSON.stringify({ extension: '101', password: alice?.[3] ?? '' }),
      readFileSync(join(dataDir, CERTIFICATE_FILE), 'utf8'),
    );
    expect(secureLogin.status).toBe(200);
    expect(secureLogin.cookie).toMatch(/^renvoi_session=[^;]+;.*\bSecure\b/);
    expect(secureLogin.hsts).toMatch(/^max-age=\d+/);

    stop();
    expect(await running).toBe(0);
    expect(lines.at(-1)).toBe('Renvoi is stopping.');
  });

  it('keeps its certificate at the next start, and says it was not made now', async () => {
    const before = fingerprintOf(join(dataDir, CERTIFICATE_FILE));
    const lines: string[] = [];
    let stop = (): void => undefined;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const running = runStart({
      dataDir,
      host: '127.0.0.1',
      sipPort: await freePort(),
      wsPort: 0,
      httpPort: 0,
      tlsPort: 0,
      out: (s) => lines.push(s),
      err: (s) => lines.push(`ERR ${s}`),
      stopSignal,
      log: pino({ level: 'silent' }),
    });
    await eventually(
      () => lines.some((l) => l.startsWith('TLS certificate') || l.startsWith('ERR')),
      'the certificate to be printed',
      10_000,
    );
    expect(lines.find((l) => l.startsWith('TLS certificate'))).toBe(
      `TLS certificate (self-signed, ${join(dataDir, CERTIFICATE_FILE)}): SHA-256 ${before}`,
    );
    stop();
    expect(await running).toBe(0);
  });
});

/** The SHA-256 fingerprint openssl computes for a PEM certificate file. */
function fingerprintOf(file: string): string {
  const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'], {
    encoding: 'utf8',
  });
  return out.trim().replace(/^.*Fingerprint=/i, '');
}

/** A JSON POST over HTTPS trusting `ca` only: the status and the headers under test. */
function httpsPost(
  url: URL,
  body: string,
  ca: string,
): Promise<{ status: number; cookie: string; hsts: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            cookie: res.headers['set-cookie']?.join('\n') ?? '',
            hsts: String(res.headers['strict-transport-security'] ?? ''),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
