/**
 * The README's start command, with no flag, in a network namespace of the test's own (so that
 * its default ports are free whatever else runs on this machine): every default port is printed
 * and served, SIP over TLS with the self-signed certificate made at this first start, which a
 * client that verifies accepts when told to trust that certificate and refuses otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_FILE } from '../../src/store/certificate.js';
import { ROOT, ensureBuilt } from '../e2e/harness.js';
import { eventually } from '../interop/harness.js';

const NS = `rv-start-${process.pid}`;

function inNamespace(command: string, args: string[]): { code: number; output: string } {
  try {
    const output = execFileSync('ip', ['netns', 'exec', NS, command, ...args], {
      encoding: 'utf8',
      input: '',
      timeout: 15_000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('npm start with no flag', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-defaults-'));
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    await ensureBuilt();
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    // A second network, as an office LAN: the banner names it for phones.
    const ip = (...args: string[]) => execFileSync('ip', ['netns', 'exec', NS, 'ip', ...args]);
    ip('link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1');
    ip('address', 'add', '192.0.2.10/24', 'dev', 'lan0');
    ip('link', 'set', 'lan0', 'up');
    ip('link', 'set', 'lan1', 'up');
    // `npm start` is `node bin/renvoi.js start`; the data directory by its variable, not a flag.
    child = spawn(
      'ip',
      ['netns', 'exec', NS, process.execPath, join(ROOT, 'bin', 'renvoi.js'), 'start'],
      {
        cwd: ROOT,
        env: { ...process.env, RENVOI_DATA: dataDir, RENVOI_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(
      () => output.includes('Try a decision') || child?.exitCode !== null,
      'the banner',
      30_000,
    );
  }, 240_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    execFileSync('ip', ['netns', 'del', NS]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints and serves every default port, TLS with its own certificate', () => {
    expect(output).toContain('Renvoi is running: SIP on udp and tcp 192.0.2.10:5060, data in');
    expect(output).toContain(
      'Ports: SIP over UDP and TCP 5060, SIP over TLS 5061, SIP over WebSocket 5066, SIP over secure WebSocket 5067, HTTP 8080, HTTPS 8443, RTP and RTCP 10000-19999',
    );
    expect(output).toMatch(/TLS certificate \(self-signed, made now, .*\): SHA-256 [0-9A-F:]{95}/);
    const certificate = join(dataDir, CERTIFICATE_FILE);
    for (const port of [5061, 5067, 8443]) {
      const trusted = inNamespace('openssl', [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-CAfile',
        certificate,
        '-verify_return_error',
        '-verify_ip',
        '127.0.0.1',
      ]);
      expect(trusted.output).toMatch(/Verify return code: 0 \(ok\)/);
      const untrusted = inNamespace('openssl', [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-verify_return_error',
      ]);
      expect(untrusted.code).not.toBe(0);
    }
    const page = inNamespace('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://127.0.0.1:8080/',
    ]);
    expect(page.output).toBe('200');
    const options = inNamespace('sipsak', ['-s', 'sip:renvoi@127.0.0.1:5060', '-vv']);
    expect(options.output).toMatch(/SIP\/2\.0 200 OK/);
  });
});
