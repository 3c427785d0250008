/**
 * Interop tests against real SIP peers from Debian (SIPp, sipsak, svwar): a PBX in this process
 * on loopback, peers as child processes. A missing peer fails the test, never skips it.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { Pbx } from '../../src/pbx/server.js';
import type { PbxOptions } from '../../src/pbx/server.js';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import type { CallHandlingOptions } from '../../src/pbx/calls/call-handling.js';
import type { MediaLayer } from '../../src/media/media-layer.js';
import { decodeG711, encodeG711 } from '../../src/media/g711.js';
import { decodeRtp, encodeRtp } from '../../src/media/rtp-packet.js';
import { encodeTelephoneEvent } from '../../src/media/telephone-event.js';
import type { TimerValues } from '../../src/sip/transaction/types.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import type { CallRecord } from '../../src/store/call-history-repository.js';
import { expect } from 'vitest';

export const SCENARIOS = join(import.meta.dirname, 'scenarios');

/**
 * Spread into a test directory whose caller is a peer without credentials calling an extension
 * or ring group (SIPp's uac.xml): outside SIP calls are refused unless the admin allows them
 * (issue 14). The limits per source are set out of reach: every test peer calls from 127.0.0.1.
 */
export const OUTSIDE_CALLERS = {
  outsideCalls: { allow: true, concurrent: 1000, perMinute: 100_000 },
} as const;

/**
 * A trunk the test's caller calls from (on `port` of 127.0.0.1): an outside caller whose calls
 * may be forwarded out through the carrier, which an unauthenticated SIP caller's never are.
 * `inbound` maps the numbers it dials (DIDs) to extensions.
 */
export function originTrunk(port: number, inbound: Record<string, string>) {
  return { name: 'origin', host: '127.0.0.1', port, inbound };
}

/** Short SIP timers: Timer J (64·T1) ends in 640 ms, so leak checks need not wait 32 s. */
export const TEST_TIMERS = { t1: 10, t2: 40, t4: 50, timerD: 100 };

export interface TestPbx {
  pbx: Pbx;
  port: number;
  dataDir: string;
  db: Db;
  /** Stops the PBX and keeps the data directory (for restart tests). */
  stop(): Promise<void>;
  /** Stops the PBX and removes the data directory. */
  remove(): Promise<void>;
}

/** A port free for both UDP and TCP on 127.0.0.1, so one number serves both transports. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

/** The kernel's ephemeral port range: where a socket bound to port 0 anywhere on the host lands. */
function ephemeralPorts(): { min: number; max: number } {
  try {
    const [min, max] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (min !== undefined && max !== undefined && min > 0 && max >= min) return { min, max };
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return { min: 49152, max: 65535 };
}

/** Where `quietPort` picks from: above the PBX's default RTP range, below `QUIET_RTP_PORTS`. */
const QUIET_PORTS = { min: 22000, max: 29999 };

/**
 * An RTP port range for a test PBX that no other socket takes: below the ephemeral range (no
 * socket bound to port 0 lands there) and apart from `quietPort`'s and the default RTP range.
 */
export const QUIET_RTP_PORTS = '30000-30999';

/**
 * A free port that stays free while a test file holds it between its peers' runs (a trunk's
 * address, written in the directory once): outside the kernel's ephemeral range, so that no
 * socket bound to port 0 (another test's RTP peer, a SIPp media socket, a benchmark) can take it
 * meanwhile. A `freePort` is only safe for a peer started at once.
 */
export async function quietPort(): Promise<number> {
  const ephemeral = ephemeralPorts();
  const max = Math.min(QUIET_PORTS.max, ephemeral.min - 1);
  if (max - QUIET_PORTS.min < 1000) return freePort();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = QUIET_PORTS.min + Math.floor(Math.random() * (max - QUIET_PORTS.min + 1));
    if (await portFree(port)) return port;
  }
  throw new Error('no free quiet port');
}

/** Nothing is bound to `port` on 127.0.0.1, UDP or TCP. */
async function portFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A UDP socket is bound to `port` (Linux /proc/net/udp, local addresses in hex). */
function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return readFileSync('/proc/net/udp', 'utf8')
      .split('\n')
      .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex) === true);
  } catch {
    return true;
  }
}

export async function startTestPbx(
  document: unknown,
  dataDir = mkdtempSync(join(tmpdir(), 'renvoi-interop-')),
  timers: Partial<TimerValues> = TEST_TIMERS,
  log: Logger = pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
  host = '127.0.0.1',
  options: Pick<
    PbxOptions,
    'overload' | 'presence' | 'natKeepaliveMs' | 'publicAddress' | 'localNets'
  > = {},
): Promise<TestPbx> {
  const db = await openStore(dataDir);
  if (document !== null) {
    const built = buildDirectory(document);
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    await saveDirectory(db, built.directory);
  }
  const port = await freePort();
  const pbx = await Pbx.start({
    db,
    dataDir,
    host,
    sipPort: port,
    // WebSocket on a port of its own choosing: pbx.port('ws') says which.
    wsPort: 0,
    log,
    timers,
    reloadEveryMs: 100,
    ...options,
  });
  pbx.stack.startLoadSampling();
  const stop = async () => {
    await pbx.close();
    await db.destroy();
  };
  return {
    pbx,
    port,
    dataDir,
    db,
    stop,
    remove: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PeerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a peer to completion, bounded in time; a missing binary rejects (the test fails). */
export function runPeer(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 20_000, cwd: options.cwd ?? tmpdir() },
      (error, stdout, stderr) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${command} is not installed (Debian package: see .ci/run)`));
          return;
        }
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : (error.signal ?? null);
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/**
 * The SIP messages SIPp sent and received, from its `-trace_msg` file in `work`: what a test
 * asserts beyond the scenario's own checks (a status code, a header).
 */
function tracedMessages(work: string): string {
  return readdirSync(work)
    .filter((name) => name.endsWith('_messages.log'))
    .map((name) => readFileSync(join(work, name), 'utf8'))
    .join('');
}

export interface SippResult extends PeerResult {
  /** Every message SIPp sent or received, as it logged them. */
  messages: string;
}

/**
 * SIPp with one call of a scenario from test/interop/scenarios, from `localPort` (a free local
 * port unless given: a trunk calls from its own). `files` are copied beside it (an `rtp_stream`
 * WAV is read from SIPp's working folder); `timeoutS` bounds the call (longer for prompts).
 */
export async function sipp(
  target: Pick<TestPbx, 'port'>,
  scenario: string,
  extra: readonly string[] = [],
  options: { localPort?: number; files?: readonly string[]; timeoutS?: number } = {},
): Promise<SippResult & { localPort: number }> {
  const localPort = options.localPort ?? (await freePort());
  const work = mkdtempSync(join(tmpdir(), 'renvoi-sipp-'));
  try {
    for (const file of options.files ?? []) copyFileSync(file, join(work, basename(file)));
    const timeoutS = options.timeoutS ?? 15;
    const result = await runPeer(
      'sipp',
      [
        `127.0.0.1:${target.port}`,
        '-sf',
        join(SCENARIOS, scenario),
        '-i',
        '127.0.0.1',
        '-p',
        String(localPort),
        '-m',
        '1',
        '-timeout',
        `${timeoutS}s`,
        '-timeout_error',
        '-nostdin',
        '-trace_msg',
        ...extra,
      ],
      { cwd: work, timeoutMs: Math.max(20, timeoutS + 5) * 1000 },
    );
    return { ...result, messages: tracedMessages(work), localPort };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A SIPp UAS (a phone, or a trunk) on `port`, running one call of `scenario` in the background.
 * `done` settles when SIPp exits; `stop` kills it early. `ready` resolves once its port is bound
 * (it rejects if SIPp exits first): with the tests' T1 of 10 ms a request gets no answer after
 * 64*T1 = 640 ms, less than a SIPp may take to start on a loaded machine.
 */
export function sippUas(
  scenario: string,
  port: number,
  extra: readonly string[] = [],
): { done: Promise<SippResult>; ready: Promise<void>; stop: () => void } {
  const work = mkdtempSync(join(tmpdir(), 'renvoi-sipp-uas-'));
  const child = spawn(
    'sipp',
    [
      '-sf',
      join(SCENARIOS, scenario),
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      '-timeout',
      '20s',
      '-timeout_error',
      '-nostdin',
      '-trace_msg',
      ...extra,
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('sipp is not installed (Debian package sip-tester)')
          : error,
      ),
    );
    child.once('close', (code) => {
      const messages = tracedMessages(work);
      rmSync(work, { recursive: true, force: true });
      resolve({ code, stdout, stderr, messages });
    });
  });
  let exited = false;
  void done.then(
    () => (exited = true),
    () => (exited = true),
  );
  const ready = (async () => {
    const deadline = Date.now() + 10_000;
    while (!udpBound(port)) {
      if (exited) {
        const result = await done;
        throw new Error(
          `SIPp (${scenario}) exited before listening: ${result.stdout}${result.stderr}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`SIPp (${scenario}) not listening on ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  // A test that never waits for `ready` must not see its rejection as unhandled.
  ready.catch(() => undefined);
  return { done, ready, stop: () => child.kill() };
}

/**
 * A SIPp phone registered as `extension` (password `secret-of-<extension>`), running one call of
 * `scenario` on its own port.
 */
export async function phone(
  t: TestPbx,
  extension: string,
  scenario = 'uas.xml',
  extra: readonly string[] = [],
): Promise<ReturnType<typeof sippUas>> {
  const port = await freePort();
  const uas = sippUas(scenario, port, extra);
  await registerContact(t, extension, port);
  return uas;
}

/** Registers `extension` with its Contact on `port` of 127.0.0.1 (SIPp register-contact.xml). */
export async function registerContact(t: TestPbx, extension: string, port: number): Promise<void> {
  const reg = await sipp(t, 'register-contact.xml', [
    '-s',
    extension,
    '-au',
    extension,
    '-ap',
    `secret-of-${extension}`,
    '-key',
    'contact_port',
    String(port),
  ]);
  expect(reg.code, reg.stdout + reg.stderr).toBe(0);
}

/** A datagram as a plain UDP peer received it. */
export interface Datagram {
  text: string;
  at: number;
  from: RemoteInfo;
}

/**
 * A bare UDP socket on 127.0.0.1: sees every datagram the PBX sends to it (with its arrival time,
 * from `performance.now()`) and answers only what the test makes it answer.
 */
export async function udpPeer(): Promise<{
  port: number;
  received: Datagram[];
  send(text: string, to: RemoteInfo): void;
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  const received: Datagram[] = [];
  socket.on('message', (message, from) =>
    received.push({ text: message.toString('utf8'), at: performance.now(), from }),
  );
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    send: (text, to) => socket.send(text, to.port, to.address),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Waits until `check` holds, polling; fails with `what` after the bound. */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One message of a SIPp trace. */
interface TracedMessage {
  direction: 'sent' | 'received';
  text: string;
}

/** A SIPp `-trace_msg` log split into its messages (each: a dashed line, a title, the message). */
function tracedList(messages: string): TracedMessage[] {
  return messages
    .split(/^-{10,} .*$/m)
    .map((entry) => /^\s*\S+ message (sent|received)[^\n]*\n\n([\s\S]*)$/.exec(entry))
    .filter((m) => m !== null)
    .map(([, direction, text]) => ({
      direction: direction === 'sent' ? 'sent' : 'received',
      text: (text ?? '').trim(),
    }));
}

/** The status of the last final response to an INVITE that SIPp received, or null. */
export function finalStatus(messages: string): number | null {
  const finals = tracedList(messages)
    .filter((m) => m.direction === 'received' && /^CSeq:\s*\d+ INVITE\s*$/im.test(m.text))
    .map((m) => /^SIP\/2\.0 ([2-6]\d\d) /.exec(m.text)?.[1])
    .filter((status) => status !== undefined);
  const last = finals.at(-1);
  return last === undefined ? null : Number(last);
}

/**
 * No transaction, timer (but the connection idle timers of open sockets), call, or presence
 * subscription and its timers left.
 */
export function isQuiet(pbx: Pbx): boolean {
  const s = pbx.stats();
  return (
    s.transactions.total === 0 &&
    s.calls === 0 &&
    s.subscriptions === 0 &&
    s.subscriptionTimers === 0
  );
}

/**
 * A PBX taking calls (call handling attached), with the same T1/T2 for its calls as for its
 * transactions.
 */
export async function startCallPbx(
  document: unknown,
  timers: Partial<TimerValues> = TEST_TIMERS,
  log: Logger = pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
  host = '127.0.0.1',
): Promise<TestPbx> {
  const t = await startTestPbx(document, undefined, timers, log, host);
  attachCallHandling(t.pbx, { t1: timers.t1 ?? TEST_TIMERS.t1, t2: timers.t2 ?? TEST_TIMERS.t2 });
  return t;
}

/** Nothing left of any call: transactions, calls, and the calls' timers. */
export async function expectQuiet(t: TestPbx, timeoutMs = 5000): Promise<void> {
  await eventually(() => isQuiet(t.pbx), 'every transaction and call to be released', timeoutMs);
  expect(t.pbx.stats().callTimers).toBe(0);
}

/**
 * SIPp arguments for extension `extension` (password `secret-of-<extension>`) calling `dialled`
 * with uac-auth*.xml. SIPp computes the digest over `sip:<remote host>:<port>` unless told
 * otherwise; the PBX checks the digest-uri against the Request-URI (RFC 2617 §3.2.2.5).
 */
export function callingAs(t: TestPbx, extension: string, dialled: string): string[] {
  return [
    '-s',
    dialled,
    '-key',
    'caller',
    extension,
    '-au',
    extension,
    '-ap',
    `secret-of-${extension}`,
    '-auth_uri',
    `${dialled}@127.0.0.1:${t.port}`,
  ];
}

/** The latest call in the history, once its outcome is written (writes are asynchronous). */
export async function lastCall(t: TestPbx): Promise<CallRecord> {
  let call: CallRecord | undefined;
  const deadline = Date.now() + 5000;
  for (;;) {
    [call] = await listCalls(t.db, { limit: 1 });
    if (call?.outcome !== null && call?.outcome !== undefined) return call;
    if (Date.now() > deadline) throw new Error('timed out waiting for the call history');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A PBX taking calls with its voice on: prompts, voicemail and relayed media, RTP on 127.0.0.1. */
export async function startVoicePbx(
  document: unknown,
  options: CallHandlingOptions = {},
): Promise<TestPbx & { media: MediaLayer }> {
  const t = await startTestPbx(document);
  const { media } = attachCallHandling(t.pbx, {
    t1: TEST_TIMERS.t1,
    t2: TEST_TIMERS.t2,
    ...options,
  });
  return { ...t, media };
}

/** Nothing left of any call, media included (RTP sessions, ports, the media clock). */
export async function expectQuietMedia(
  t: TestPbx & { media: MediaLayer },
  timeoutMs = 5000,
): Promise<void> {
  await expectQuiet(t, timeoutMs);
  await eventually(() => t.media.openSessions === 0, 'every RTP session to be closed', timeoutMs);
  expect(t.media.ports.inUse).toBe(0);
  expect(t.media.clock.subscribers).toBe(0);
}

/** `sipp` for calls that last as long as prompts do: a 40 s call timeout unless told. */
export function sippWith(
  target: Pick<TestPbx, 'port'>,
  scenario: string,
  extra: readonly string[] = [],
  options: { files?: readonly string[]; timeoutS?: number; localPort?: number } = {},
): Promise<SippResult> {
  return sipp(target, scenario, extra, { timeoutS: 40, ...options });
}

/** One RTP packet as a test peer received it, its audio decoded. */
export interface HeardPacket {
  at: number;
  payloadType: number;
  marker: boolean;
  pcm: Int16Array | null;
  /** The port it came from: the PBX's, or a phone's when media flows phone to phone. */
  fromPort: number;
}

/**
 * A phone's RTP side played by the test, on 127.0.0.1: it hears what the PBX sends (decoded
 * G.711), learns where from, and sends a tone or RFC 4733 digits back there (symmetric RTP).
 */
export class RtpPeer {
  readonly heard: HeardPacket[] = [];
  private remote: { address: string; port: number } | undefined;
  private toneTimer: NodeJS.Timeout | undefined;
  private sequence = 1;
  private timestamp = 1000;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (data, from) => {
      let packet;
      try {
        packet = decodeRtp(data);
      } catch {
        return;
      }
      this.remote ??= { address: from.address, port: from.port };
      const codec = packet.payloadType === 0 ? 'PCMU' : packet.payloadType === 8 ? 'PCMA' : null;
      this.heard.push({
        at: performance.now(),
        payloadType: packet.payloadType,
        marker: packet.marker,
        pcm: codec === null ? null : decodeG711(codec, packet.payload),
        fromPort: from.port,
      });
    });
  }

  /** On an even port, as RTP wants (RFC 3550 §11), with the next port free for RTCP. */
  static async open(): Promise<RtpPeer> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const socket = createSocket('udp4');
      const port = await new Promise<number>((resolve) => {
        socket.once('error', () => resolve(-1));
        socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
      });
      if (port > 0 && port % 2 === 0) return new RtpPeer(socket, port);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    throw new Error('no even UDP port for an RTP peer');
  }

  /** Where the PBX sends from, once it has sent something. */
  get source(): { address: string; port: number } | undefined {
    return this.remote;
  }

  /** Send to `remote` from now on (a phone whose SDP names it), not to whoever sent first. */
  sendTo(remote: { address: string; port: number }): void {
    this.remote = remote;
  }

  /** Send a tone (PCMU, 20 ms frames) to the PBX until `stopTone`, once its address is known. */
  startTone(frequencyHz: number, amplitude = 8000): void {
    this.stopTone();
    let n = 0;
    this.toneTimer = setInterval(() => {
      const remote = this.remote;
      if (remote === undefined) return;
      const pcm = Int16Array.from({ length: 160 }, (_, i) =>
        Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * (n * 160 + i)) / 8000)),
      );
      n++;
      this.send(remote, 0, n === 1, encodeG711('PCMU', pcm), 160);
    }, 20);
  }

  stopTone(): void {
    clearInterval(this.toneTimer);
    this.toneTimer = undefined;
  }

  /** RFC 4733: one key press, three packets of one event and its end, PT 101. */
  async pressKeys(keys: string, gapMs = 250): Promise<void> {
    for (const key of keys) {
      const remote = this.remote;
      if (remote === undefined) throw new Error('no RTP from the PBX yet');
      const event = '0123456789*#'.indexOf(key);
      if (event < 0) throw new Error(`not a key: ${key}`);
      const start = this.timestamp;
      for (let i = 1; i <= 6; i++) {
        const end = i > 3;
        const payload = encodeTelephoneEvent({
          event,
          end,
          volume: 10,
          duration: Math.min(i, 4) * 160,
        });
        this.send(remote, 101, i === 1, payload, 0, start);
        await new Promise((r) => setTimeout(r, 20));
      }
      this.timestamp = start + 800;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  private send(
    remote: { address: string; port: number },
    payloadType: number,
    marker: boolean,
    payload: Uint8Array,
    samples: number,
    timestamp = this.timestamp,
  ): void {
    const data = encodeRtp({
      marker,
      payloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.ssrc,
      csrcs: [],
      payload,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    if (samples > 0) this.timestamp = (timestamp + samples) >>> 0;
    this.socket.send(data, remote.port, remote.address);
  }

  close(): Promise<void> {
    this.stopTone();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
