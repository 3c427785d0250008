import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { buildDirectory } from '../../domain/document.js';
import type { Directory } from '../../domain/types.js';
import { loadDirectory, saveDirectory } from '../../store/directory-repository.js';
import { Pbx } from '../../pbx/server.js';
import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import { attachCallHandling } from '../../pbx/calls/call-handling.js';
import { openStore } from '../data-dir.js';
import { makePrivate } from '../../store/data-directory.js';
import { markRunning } from '../running.js';
import { startApi } from '../../api/server.js';
import { EventBus } from '../../pbx/events.js';
import { PbxMetrics } from '../../pbx/metrics.js';
import { loadOrCreateCertificate } from '../../store/certificate.js';
import type { Certificate } from '../../store/certificate.js';
import { machineAddresses } from '../machine-addresses.js';
import { overloadSettings } from '../overload-settings.js';

export interface StartArgs {
  dataDir: string;
  /** Where to listen (`--bind`, or `--host`); `0.0.0.0`: every address. */
  host: string;
  /** Written for peers outside `localNets` (`--public-address`, `--local-nets`). */
  publicAddress?: string;
  localNets?: readonly string[];
  sipPort: number;
  wsPort: number;
  /** SIP over TLS and WebSocket over TLS; 0 takes any free port, absent: not served. */
  tlsPort?: number;
  wssPort?: number;
  /** The web client and its API; 0 takes any free port. */
  httpPort: number;
  /** The web client and its API over HTTPS; 0 takes any free port, absent: not served. */
  httpsPort?: number;
  /** Plain HTTP answers with a redirect to HTTPS. */
  httpsRedirect?: boolean;
  /** The certificate and key for TLS; absent: the data directory's own, self-signed. */
  tlsFiles?: { certFile: string; keyFile: string };
  out: (s: string) => void;
  err: (s: string) => void;
  /** Resolves when the PBX should stop; default: SIGINT or SIGTERM. */
  stopSignal?: Promise<void>;
  log?: Logger;
}

/** `renvoi start`: runs the PBX until stopped. */
export async function runStart(args: StartArgs): Promise<number> {
  const log = args.log ?? pino({ level: process.env.RENVOI_LOG_LEVEL ?? 'info' });
  const db = await openStore(args.dataDir);
  // Files written before (by an earlier version, a copy, another umask) are made private too.
  const madePrivate = makePrivate(args.dataDir);
  if (madePrivate > 0) log.info({ entries: madePrivate }, 'data directory made owner-only');
  // The API writes through a connection of its own: the PBX notices another connection's commits
  // (SQLite data_version) and reloads the directory, as it does after `renvoi import`.
  const apiDb = await openStore(args.dataDir);
  const unmark = markRunning(args.dataDir);
  let pbx: Pbx | undefined;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    const created = await createDemoDirectoryIfEmpty(db);
    const secure = [args.tlsPort, args.wssPort, args.httpsPort].some((p) => p !== undefined);
    const certificate = secure
      ? await loadOrCreateCertificate(args.dataDir, args.tlsFiles)
      : undefined;
    const events = new EventBus();
    const metrics = new PbxMetrics();
    const overload = overloadSettings(process.env);
    const keepalive = natKeepaliveMs(process.env.RENVOI_NAT_KEEPALIVE);
    pbx = await Pbx.start({
      ...(overload === undefined ? {} : { overload }),
      metrics,
      db,
      dataDir: args.dataDir,
      host: args.host,
      ...(args.publicAddress === undefined ? {} : { publicAddress: args.publicAddress }),
      ...(args.localNets === undefined ? {} : { localNets: args.localNets }),
      sipPort: args.sipPort,
      ...(keepalive === undefined ? {} : { natKeepaliveMs: keepalive }),
      wsPort: args.wsPort,
      ...(args.tlsPort === undefined ? {} : { tlsPort: args.tlsPort }),
      ...(args.wssPort === undefined ? {} : { wssPort: args.wssPort }),
      ...(certificate === undefined ? {} : { tls: certificate }),
      log,
      events,
      digestAlgorithms: digestAlgorithms(process.env.RENVOI_DIGEST),
    });
    const { media } = attachCallHandling(pbx);
    api = await startApi({
      db: apiDb,
      dataDir: args.dataDir,
      host: args.host,
      port: args.httpPort,
      ...(args.httpsPort === undefined || certificate === undefined
        ? {}
        : {
            https: {
              port: args.httpsPort,
              cert: certificate.cert,
              key: certificate.key,
              redirect: args.httpsRedirect === true,
            },
          }),
      log,
      events,
      metrics: { metrics, token: metricsToken(process.env.RENVOI_METRICS_TOKEN) },
    });
    // Everything is up: from now on a busy event loop is load from requests.
    pbx.stack.startLoadSampling();
    const everywhere = args.host === '0.0.0.0' || args.host === '::';
    const hosts = everywhere
      ? machineAddresses()
      : [args.host.includes(':') ? `[${args.host}]` : args.host];
    const shown = hosts.map((host) => `${host}:${args.sipPort}`).join(', ');
    const webHost = args.host === '0.0.0.0' || args.host === '::' ? 'localhost' : args.host;
    const web = webHost.includes(':') ? `[${webHost}]` : webHost;
    args.out(`Renvoi is running: SIP on udp and tcp ${shown}, data in ${args.dataDir}`);
    const served = [
      ['SIP over UDP and TCP', pbx.port('udp')],
      ['SIP over TLS', pbx.port('tls')],
      ['SIP over WebSocket', pbx.port('ws')],
      ['SIP over secure WebSocket', pbx.port('wss')],
      ['HTTP', api.port],
      ['HTTPS', api.httpsPort],
      // RTP on the even ports, RTCP on the odd one after each (RFC 3550 §11).
      ['RTP and RTCP', `${media.ports.first}-${media.ports.last + 1}`],
    ] as const;
    args.out(
      `Ports: ${served
        .filter(([, port]) => port !== undefined)
        .map(([what, port]) => `${what} ${port}`)
        .join(', ')}`,
    );
    if (args.publicAddress !== undefined) {
      args.out(
        `Peers outside ${args.localNets?.join(', ') ?? 'the private networks'} are given ${args.publicAddress}: forward these ports to this machine.`,
      );
    }
    args.out(`Web client: http://${web}:${api.port}/`);
    if (api.httpsPort !== undefined) {
      args.out(`Web client over HTTPS: https://${web}:${api.httpsPort}/`);
    }
    if (certificate !== undefined) args.out(certificateLine(certificate));
    if (created !== null) printDemo(created, args.out);
    await (args.stopSignal ?? signalled());
    args.out('Renvoi is stopping.');
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    args.err(
      code === 'EADDRINUSE'
        ? `renvoi start: port ${args.sipPort}, ${args.tlsPort}, ${args.wsPort}, ${args.wssPort}, ${args.httpPort} or ${args.httpsPort} is in use (choose others with --sip-port, --tls-port, --ws-port, --wss-port, --http-port, --https-port)`
        : `renvoi start: ${(error as Error).message}`,
    );
    return 1;
  } finally {
    await api?.close();
    await pbx?.close();
    await apiDb.destroy();
    await db.destroy();
    unmark();
  }
}

/** Which certificate TLS presents, and its fingerprint: how a phone or a browser is told to trust it. */
function certificateLine(certificate: Certificate): string {
  const origin = certificate.selfSigned
    ? `self-signed${certificate.created ? ', made now' : ''}, ${certificate.certFile}`
    : certificate.certFile;
  return `TLS certificate (${origin}): SHA-256 ${certificate.fingerprint}`;
}

/**
 * `RENVOI_DIGEST=MD5,SHA-256` offers SHA-256 too (RFC 8760). MD5 alone is the default: baresip 1.0
 * gives up when a challenge it cannot answer stands beside one it can, and SIPp 3.6 reads only
 * the first.
 */
function digestAlgorithms(setting: string | undefined): DigestAlgorithm[] | undefined {
  if (setting === undefined || setting.trim() === '') return undefined;
  const algorithms = setting.split(',').map((a) => a.trim().toUpperCase());
  for (const a of algorithms) {
    if (a !== 'MD5' && a !== 'SHA-256') {
      throw new Error(`RENVOI_DIGEST: "${a}" is not a digest algorithm (MD5, SHA-256)`);
    }
  }
  return algorithms as DigestAlgorithm[];
}

/** `RENVOI_NAT_KEEPALIVE=SECONDS`: how often UDP phones behind a NAT get an OPTIONS; 0: never. */
function natKeepaliveMs(setting: string | undefined): number | undefined {
  if (setting === undefined || setting.trim() === '') return undefined;
  const seconds = Number(setting);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`RENVOI_NAT_KEEPALIVE: "${setting}" is not a number of seconds (0 to 3600)`);
  }
  return seconds * 1000;
}

/** An empty variable is no token: loopback scrapers then need none (routes/metrics.ts). */
function metricsToken(setting: string | undefined): string | null {
  const token = setting?.trim() ?? '';
  return token === '' ? null : token;
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * The first start gets the guide's examples as a demo directory, with passwords of its own: a
 * PBX reachable on the network must never start with passwords anyone can read in a repository.
 */
async function createDemoDirectoryIfEmpty(
  db: Awaited<ReturnType<typeof openStore>>,
): Promise<Directory | null> {
  const current = await loadDirectory(db);
  if (current.extensions.size > 0) return null;
  const doc = parse(readFileSync(examplePath(), 'utf8')) as {
    extensions: { password: string; voicemailPin?: string; role?: string }[];
  };
  // Someone must be able to open the admin pages: the first extension (the secretariat).
  const [first] = doc.extensions;
  if (first !== undefined) first.role = 'admin';
  for (const ext of doc.extensions) {
    ext.password = randomBytes(9).toString('base64url');
    // Every demo user can listen to their voicemail with *97.
    ext.voicemailPin = String(1000 + (randomBytes(2).readUInt16BE() % 9000));
  }
  const built = buildDirectory(doc);
  if (!built.ok) throw new Error('the demo directory is invalid');
  await saveDirectory(db, built.directory);
  return built.directory;
}

function examplePath(): string {
  // From src/cli/commands under Vitest or dist/src/cli/commands when built: find the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root');
    dir = parent;
  }
  return join(dir, 'examples', 'guide.yaml');
}

function printDemo(directory: Directory, out: (s: string) => void): void {
  out('');
  out(
    'First start: a demo directory (examples/guide.yaml) was created. Log in to the web client and register SIP phones with:',
  );
  // The directory as generated, before the store kept only hashes: the one time they are shown.
  const clear = (secret: { plain: string } | object | null) =>
    secret !== null && 'plain' in secret ? secret.plain : '-';
  for (const ext of directory.extensions.values()) {
    const role = ext.role === 'admin' ? ', admin' : '';
    out(
      `  extension ${ext.number} (${ext.name}${role}): user ${ext.number}, password ${clear(ext.password)}, voicemail PIN ${clear(ext.voicemailPin)}`,
    );
  }
  out('Try a decision: npx renvoi simulate --to 101 --from "+33 6 12 34 56 78"');
  out('');
}
