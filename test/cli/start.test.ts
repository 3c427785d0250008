import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runStart } from '../../src/cli/commands/start.js';
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

    stop();
    expect(await running).toBe(0);
    expect(lines.at(-1)).toBe('Renvoi is stopping.');
  });
});
