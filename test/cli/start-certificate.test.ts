/**
 * `renvoi start --tls-cert FILE --tls-key FILE`: the given certificate is served and named in the
 * banner (no self-signed one is made); a key that does not belong to the certificate, or a flag
 * without the other, stops the start with a message naming what is wrong.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStart } from '../../src/cli/commands/start.js';
import { main } from '../../src/cli/main.js';
import { CERTIFICATE_FILE } from '../../src/store/certificate.js';
import { eventually, freePort } from '../interop/harness.js';
import { makeTestPki } from '../sip/transport/tls-fixtures.js';
import type { TestPki } from '../sip/transport/tls-fixtures.js';

const run = promisify(execFile);

/** openssl s_client verifying against `caFile`, its input closed at once: what it printed. */
function sClient(target: string, caFile: string): Promise<{ stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', target, '-CAfile', caFile, '-verify_return_error'],
      { timeout: 10_000 },
      (_error, stdout) => resolve({ stdout }),
    );
    child.stdin?.end();
  });
}

let pki: TestPki;
let other: TestPki;
const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-cert-'));
beforeAll(() => {
  pki = makeTestPki();
  other = makeTestPki();
});
afterAll(() => {
  pki?.remove();
  other?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(tlsFiles: { certFile: string; keyFile: string }) {
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
    tlsFiles,
    out: (s) => lines.push(s),
    err: (s) => lines.push(`ERR ${s}`),
    stopSignal,
    log: pino({ level: 'silent' }),
  });
  return { lines, stop, running };
}

describe('renvoi start with a certificate of its own', () => {
  it('serves the given certificate, verified against its authority, and makes none', async () => {
    const { lines, stop, running } = await start({ certFile: pki.certFile, keyFile: pki.keyFile });
    await eventually(
      () => lines.some((l) => l.startsWith('TLS certificate') || l.startsWith('ERR')),
      'the certificate line',
      10_000,
    );
    const { stdout: fingerprint } = await run('openssl', [
      'x509',
      '-in',
      pki.certFile,
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    expect(lines.find((l) => l.startsWith('TLS certificate'))).toBe(
      `TLS certificate (${pki.certFile}): SHA-256 ${fingerprint.trim().replace(/^.*=/, '')}`,
    );
    const port = /SIP over TLS (\d+)/.exec(lines.join('\n'))?.[1];
    const verified = await sClient(`127.0.0.1:${port}`, pki.caFile);
    expect(verified.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    expect(existsSync(join(dataDir, CERTIFICATE_FILE))).toBe(false);
    stop();
    expect(await running).toBe(0);
  });

  it('refuses a key that is not the certificate’s, naming both files', async () => {
    const { lines, running } = await start({ certFile: pki.certFile, keyFile: other.keyFile });
    expect(await running).toBe(1);
    expect(lines).toContain(
      `ERR renvoi start: ${other.keyFile} is not the private key of the certificate in ${pki.certFile}`,
    );
  });

  it('refuses --tls-cert without --tls-key before starting anything', async () => {
    const errors: string[] = [];
    const code = await main(['start', '--data', dataDir, '--tls-cert', pki.certFile], {
      out: () => undefined,
      err: (s) => errors.push(s),
      env: {},
    });
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('--tls-cert and --tls-key go together');
  });
});
