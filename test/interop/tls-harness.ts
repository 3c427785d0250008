/**
 * A PBX taking calls with SIP over TLS and WSS, on the certificate it makes for itself at its
 * first start (as `renvoi start` does without --tls-cert), for the interop tests of issue 9.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import { Pbx } from '../../src/pbx/server.js';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { loadOrCreateCertificate } from '../../src/store/certificate.js';
import type { Certificate } from '../../src/store/certificate.js';
import { TEST_TIMERS, freePort } from './harness.js';
import type { TestPbx } from './harness.js';

export interface SecurePbx extends TestPbx {
  certificate: Certificate;
  tlsPort: number;
  wssPort: number;
}

export async function startSecurePbx(document: unknown, host = '127.0.0.1'): Promise<SecurePbx> {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-tls-'));
  const db = await openStore(dataDir);
  const built = buildDirectory(document);
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  await saveDirectory(db, built.directory);
  // Made now, naming this machine's addresses (a test namespace's link among them).
  const certificate = await loadOrCreateCertificate(dataDir);
  const port = await freePort();
  const pbx = await Pbx.start({
    db,
    dataDir,
    host,
    sipPort: port,
    tlsPort: 0,
    wssPort: 0,
    tls: certificate,
    log: pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
    timers: TEST_TIMERS,
    reloadEveryMs: 100,
  });
  attachCallHandling(pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2 });
  const stop = async () => {
    await pbx.close();
    await db.destroy();
  };
  return {
    pbx,
    port,
    dataDir,
    db,
    certificate,
    tlsPort: pbx.port('tls') ?? 0,
    wssPort: pbx.port('wss') ?? 0,
    stop,
    remove: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
