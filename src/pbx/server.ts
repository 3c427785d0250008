/**
 * The running PBX: the store, the directory (reloaded when another process imports), the SIP
 * stack, the registrar and the calls. `startPbx` builds it; `close` releases everything.
 */
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { Directory } from '../domain/types.js';
import { PBX_SUPPORTED as SUPPORTED } from './option-tags.js';
import type { SipRequest } from '../sip/message/index.js';
import { SipStack, buildReply } from '../sip/stack.js';
import type { OverloadChange } from '../sip/overload/overload-control.js';
import type { OverloadOptions, ServerTransaction, Source, StackStats } from '../sip/stack.js';
import type { TimerValues } from '../sip/transaction/types.js';
import type { TlsCredentials } from '../sip/transport/tls.js';
import type { TransportProtocol } from '../sip/transport/types.js';
import { DigestServer } from '../sip/auth/digest.js';
import type { DigestAlgorithm } from '../sip/auth/digest.js';
import { dataVersion } from '../store/database.js';
import type { Db } from '../store/database.js';
import { loadDirectory } from '../store/directory-repository.js';
import { loadOrCreateSecret } from '../store/secrets.js';
import { closeInterruptedCalls, pruneOutsideCalls } from '../store/call-history-retention.js';
import { REALM, digestsOf } from '../domain/credentials.js';
import { VoicemailRepository } from '../store/voicemail-repository.js';
import { repairWav } from '../media/wav.js';
import { AuthGuard } from './security/auth-guard.js';
import { Authenticator } from './security/authenticator.js';
import { RegistrarService } from './registrar/registrar-service.js';
import { trunkOf } from './trunks/inbound.js';
import type { ResolvedHosts } from './trunks/inbound.js';
import { NatKeepalive } from './registrar/nat-keepalive.js';
import { TrunkRegistration } from './trunks/trunk-registration.js';
import { MwiService } from './voicemail/mwi.js';
import { CallActivity } from './presence/call-activity.js';
import { PresenceService } from './presence/presence-service.js';
import type { PresenceOptions } from './presence/presence-service.js';
import { routeSubscribe } from './presence/subscribe-routing.js';
import { RealScheduler } from '../sip/timers.js';
import { MailQueue } from './voicemail/mail-queue.js';
import type { MailQueueOptions } from './voicemail/mail-queue.js';
import { EventBus } from './events.js';
import { PbxMetrics } from './metrics.js';
import { PBX_ALLOW as ALLOW, PBX_ALLOW_EVENTS as ALLOW_EVENTS } from './allow.js';

const DAY_MS = 86_400_000;
const HISTORY_PRUNE_EVERY_MS = 3_600_000;

export interface PbxOptions {
  db: Db;
  /** Where voicemail messages, greetings and prompt overrides live. */
  dataDir: string;
  /** Shared with the API: a mailbox changed on either side, a status changed. */
  events?: EventBus;
  /**
   * Where SIP and media listen (`0.0.0.0` or `::`: every address). A concrete address is also
   * what the PBX writes; otherwise each peer gets the address it reaches the PBX at.
   */
  host: string;
  /** Written for peers outside `localNets` (behind a NAT with forwarded ports). */
  publicAddress?: string;
  localNets?: readonly string[];
  /** OPTIONS to UDP phones behind a NAT this often (registrar/nat-keepalive.ts); 0: never. Default 30 s. */
  natKeepaliveMs?: number;
  sipPort: number;
  /** SIP over WebSocket (RFC 7118), for browser phones; absent: not served. */
  wsPort?: number;
  /**
   * SIP over TLS (RFC 3261 §26.3.1) and WebSocket over TLS with this certificate; each port
   * absent: not served. Both need `tls`.
   */
  tlsPort?: number;
  wssPort?: number;
  tls?: TlsCredentials;
  log: Logger;
  /** Shorter SIP timers for tests (RFC 3261 Appendix A values by default). */
  timers?: Partial<TimerValues>;
  /**
   * Digest algorithms offered, most preferred first (RFC 8760 §2.4). MD5 leads by default: SIPp
   * 3.6 and many deployed phones read only the first challenge and know only MD5; clients that
   * know SHA-256 find it offered too.
   */
  digestAlgorithms?: DigestAlgorithm[];
  /** Shared with the API, which serves it at /metrics; absent: the PBX counts for itself. */
  metrics?: PbxMetrics;
  /**
   * Overload control: past these thresholds (defaults in sip/overload/) new INVITEs and
   * REGISTERs get 503 with Retry-After before any work. Absent: none (`renvoi start` turns it on).
   */
  overload?: OverloadOptions;
  /** How often to look for a directory imported by another process, ms. */
  reloadEveryMs?: number;
  /** Busy lamps and presence: durations and bounds of subscriptions (tests shorten them). */
  presence?: Partial<PresenceOptions>;
  /** Voicemail e-mail delivery: retry delays, SMTP deadlines, extra CA (tests). */
  mail?: Pick<MailQueueOptions, 'retry' | 'timeoutMs' | 'ca'>;
  clock?: () => number;
}

/** What the calls part of the PBX is given, and gives back: one entry point per request. */
export interface CallHandler {
  handle(request: SipRequest, tx: ServerTransaction | null, source: Source): void;
  /** Calls in progress. */
  active(): number;
  /** Timers the calls hold. */
  timers(): number;
  /** Ends every call; resolves once what they left to write is written. */
  close(): void | Promise<void>;
}

export interface PbxContext {
  stack: SipStack;
  /**
   * The PBX's name in the URIs and Call-IDs it makes (one for the whole machine). What a peer is
   * given to reach us (Contact, SDP) is `stack.addressFor(peer)` instead.
   */
  host: string;
  /** The address the PBX listens on (may be a wildcard): where media sockets bind too. */
  bindHost: string;
  registrar: RegistrarService;
  authenticator: Authenticator;
  directory: () => Directory;
  resolvedHosts: () => ResolvedHosts;
  log: Logger;
  db: Db;
  dataDir: string;
  voicemail: VoicemailRepository;
  events: EventBus;
  metrics: PbxMetrics;
  /** Where the calls tell the busy lamps what moved (`observe` their signaling, `watch` them). */
  activity: CallActivity;
}

export class Pbx {
  private directoryValue: Directory;
  private hosts: ResolvedHosts = new Map();
  private dataVersion = -1;
  private reloadTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private natKeepalive: NatKeepalive | undefined;
  private historyTimer: NodeJS.Timeout | undefined;
  private calls: CallHandler | undefined;
  private trunkRegistrations: TrunkRegistration[] = [];
  private mailQueue: MailQueue | undefined;
  readonly registrar: RegistrarService;
  readonly voicemail: VoicemailRepository;
  readonly mwi: MwiService;
  readonly activity: CallActivity;
  readonly presence: PresenceService;
  /** The subscriptions' timers (presence), counted for release checks. */
  private readonly subscriptionTimers = new RealScheduler();
  readonly events: EventBus;
  readonly metrics: PbxMetrics;
  private readonly stopListening: () => void;
  private readonly authenticator: Authenticator;

  private constructor(
    readonly stack: SipStack,
    private readonly options: PbxOptions,
    directory: Directory,
    secret: Buffer,
  ) {
    this.directoryValue = directory;
    const clock = options.clock ?? Date.now;
    this.metrics = options.metrics ?? new PbxMetrics({ defaultMetrics: false });
    const guard = new AuthGuard({ log: (message) => options.log.warn(message) });
    this.authenticator = new Authenticator({
      digest: new DigestServer(
        { realm: REALM, secret, algorithms: options.digestAlgorithms ?? ['MD5'] },
        clock,
      ),
      guard,
      ha1: (user, algorithm) => {
        const extension = this.directoryValue.extensions.get(user);
        if (extension === undefined) return null;
        const digests = digestsOf(extension.number, extension.password);
        return algorithm === 'MD5' ? digests.md5 : digests.sha256;
      },
      log: options.log,
      clock,
      onFailure: (blockedNow) => this.metrics.sipAuthFailure(blockedNow),
    });
    this.registrar = new RegistrarService({
      db: options.db,
      authenticator: this.authenticator,
      isExtension: (n) => this.directoryValue.extensions.has(n),
      log: options.log,
      clock,
    });
    this.voicemail = new VoicemailRepository(options.db, options.dataDir, clock);
    this.mwi = new MwiService({
      stack,
      host: advertisedHost(options.host),
      authenticator: this.authenticator,
      isMailbox: (n) => this.directoryValue.extensions.has(n),
      counts: (mailbox) => this.voicemail.counts(mailbox),
      contactsOf: (mailbox) => this.registrar.contactsOf(mailbox),
      log: options.log,
    });
    this.activity = new CallActivity(advertisedHost(options.host), (n) =>
      this.directoryValue.extensions.has(n),
    );
    this.presence = new PresenceService({
      stack,
      host: advertisedHost(options.host),
      authenticator: this.authenticator,
      directory: () => this.directoryValue,
      activity: this.activity,
      scheduler: this.subscriptionTimers,
      log: options.log,
      ...(options.clock === undefined ? {} : { clock: () => new Date(clock()) }),
      ...(options.presence === undefined ? {} : { options: options.presence }),
    });
    this.metrics.attach({
      activeCalls: () => this.calls?.active() ?? 0,
      registrations: () => this.registrar.registeredCount(),
      blockedAddresses: () => guard.blockedCount(clock()),
      presenceSubscriptions: () => this.presence.size,
      overload: () => stack.overloadStatus(),
    });
    this.events = options.events ?? new EventBus();
    this.stopListening = this.events.subscribe((event) => {
      if (event.type === 'mail') this.mailQueue?.kick();
      if (event.type === 'status') this.presence.statusChanged(event.extension, event.status);
      if (event.type === 'directory') this.presence.directoryChanged();
      if (event.type !== 'voicemail') return;
      this.mwi.mailboxChanged(event.extension);
      // A message kept may have a mail waiting for it.
      this.mailQueue?.kick();
    });
  }

  static async start(options: PbxOptions): Promise<Pbx> {
    const directory = await loadDirectory(options.db);
    const secret = await loadOrCreateSecret(options.db, options.dataDir, 'sip-digest');
    // Bound once the PBX exists: the transport asks only when a response is sent.
    let trunkSource: (source: Source) => boolean = () => false;
    const metrics = options.metrics ?? new PbxMetrics({ defaultMetrics: false });
    const stack = new SipStack({
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      transport: {
        trustsMaddr: (source) => trunkSource(source),
        // RFC 3891 §7: `Require: replaces` is honoured (calls/transfer/attended.ts).
        validation: { supported: [SUPPORTED] },
      },
      ...(options.overload === undefined
        ? {}
        : { overload: { ...options.overload, onChange: overloadLog(options.log) } }),
      onShed: (request, _source, cause) => metrics.shed(request.method, cause),
      onError: (error) => options.log.error({ err: error }, 'SIP stack error'),
    });
    const pbx = new Pbx(stack, { ...options, metrics }, directory, secret);
    trunkSource = (source) => trunkOf(pbx.directoryValue, source, pbx.hosts) !== undefined;
    await pbx.registrar.load();
    // A message being recorded when the PBX died is repaired and kept (design §5).
    const recovered = await pbx.voicemail.recoverInterruptedRecordings(repairWav, {
      minDurationMs: 1000,
    });
    for (const failure of recovered.failed) {
      options.log.error({ message: failure.id, err: failure.error }, 'cannot repair a recording');
    }
    // Before any call is taken: a call the history still shows in progress died with the PBX.
    const interrupted = closeInterruptedCalls(options.db, (options.clock ?? Date.now)());
    if (interrupted > 0) options.log.info({ calls: interrupted }, 'calls interrupted by a stop');
    pbx.pruneHistory();
    await pbx.resolveTrunkHosts();
    pbx.dataVersion = await dataVersion(pbx.options.db);
    stack.onRequest((request, tx, source) => pbx.dispatch(request, tx, source));
    await stack.listen({
      host: options.host,
      ...(options.publicAddress === undefined ? {} : { publicAddress: options.publicAddress }),
      ...(options.localNets === undefined ? {} : { localNets: options.localNets }),
      udp: options.sipPort,
      tcp: options.sipPort,
      ...(options.wsPort === undefined ? {} : { ws: options.wsPort }),
      ...(options.tls === undefined
        ? {}
        : {
            credentials: options.tls,
            ...(options.tlsPort === undefined ? {} : { tls: options.tlsPort }),
            ...(options.wssPort === undefined ? {} : { wss: options.wssPort }),
          }),
    });
    await pbx.learnTrunkAddresses();
    pbx.registerTrunks();
    // Mails queued before a stop go now, recovered messages' too.
    pbx.mailQueue = await MailQueue.start({
      db: options.db,
      directory: () => pbx.directoryValue,
      voicemail: pbx.voicemail,
      events: pbx.events,
      log: options.log,
      onAttempt: (result) => pbx.metrics.mailAttempt(result),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...options.mail,
    });
    for (const mailbox of recovered.mailboxes) {
      pbx.events.emit({ type: 'voicemail', extension: mailbox });
    }
    const every = options.reloadEveryMs ?? 1000;
    pbx.reloadTimer = setInterval(() => void pbx.reloadIfChanged(), every);
    pbx.purgeTimer = setInterval(() => void pbx.registrar.purge(), 30_000);
    const keepaliveMs = options.natKeepaliveMs ?? 30_000;
    if (keepaliveMs > 0) {
      pbx.natKeepalive = new NatKeepalive({
        stack,
        bindings: () => pbx.registrar.allBindings(),
        intervalMs: keepaliveMs,
        log: options.log,
      });
    }
    pbx.historyTimer = setInterval(() => pbx.pruneHistory(), HISTORY_PRUNE_EVERY_MS);
    return pbx;
  }

  /** Plugs in the calls part; until then INVITEs get 503. */
  attachCalls(factory: (context: PbxContext) => CallHandler): void {
    this.calls = factory({
      stack: this.stack,
      host: advertisedHost(this.options.host),
      bindHost: this.options.host,
      registrar: this.registrar,
      authenticator: this.authenticator,
      directory: () => this.directoryValue,
      resolvedHosts: () => this.hosts,
      log: this.options.log,
      db: this.options.db,
      dataDir: this.options.dataDir,
      voicemail: this.voicemail,
      events: this.events,
      metrics: this.metrics,
      activity: this.activity,
    });
  }

  directory(): Directory {
    return this.directoryValue;
  }

  port(protocol: TransportProtocol): number | undefined {
    return this.stack.port(protocol);
  }

  stats(): StackStats & {
    calls: number;
    callTimers: number;
    registrations: number;
    /** Busy-lamp and presence subscriptions (message waiting keeps its own count). */
    subscriptions: number;
    /** Their expiry and status timers, and a pending read of the calls' lines. */
    subscriptionTimers: number;
  } {
    return {
      ...this.stack.stats(),
      calls: this.calls?.active() ?? 0,
      callTimers: this.calls?.timers() ?? 0,
      registrations: this.registrar.registeredCount(),
      subscriptions: this.presence.size,
      subscriptionTimers: this.subscriptionTimers.pending + this.activity.pending,
    };
  }

  /** How each registering trunk stands, by name. */
  trunkStates(): Record<string, string> {
    const states: Record<string, string> = {};
    for (const registration of this.trunkRegistrations) {
      states[registration.trunkName] = registration.state;
    }
    return states;
  }

  async close(): Promise<void> {
    this.natKeepalive?.stop();
    clearInterval(this.reloadTimer);
    clearInterval(this.purgeTimer);
    clearInterval(this.historyTimer);
    for (const registration of this.trunkRegistrations) registration.stop();
    await this.calls?.close();
    await this.mailQueue?.close();
    this.stopListening();
    this.metrics.detach();
    this.mwi.close();
    this.presence.close();
    this.activity.close();
    await this.stack.close();
  }

  private dispatch(request: SipRequest, tx: ServerTransaction | null, source: Source): void {
    const log = this.options.log;
    switch (request.method) {
      case 'REGISTER':
        if (tx !== null) {
          this.registrar.handle(request, tx, source).catch((error: unknown) => {
            log.error({ err: error }, 'REGISTER failed');
            if (!tx.terminated) tx.respond(buildReply(request, 500, 'Server Internal Error'));
          });
        }
        return;
      case 'OPTIONS':
        if (tx !== null && !request.headers.has('Proxy-Require')) {
          const response = buildReply(request, 200, 'OK');
          response.headers.append('Allow', ALLOW);
          response.headers.append('Supported', SUPPORTED);
          response.headers.append('Accept', 'application/sdp');
          response.headers.append('Allow-Events', ALLOW_EVENTS);
          tx.respond(response);
          return;
        }
        break;
      case 'SUBSCRIBE':
        if (tx !== null) routeSubscribe(request, tx, source, this.mwi, this.presence);
        return;
      default:
        break;
    }
    if (this.calls !== undefined) {
      this.calls.handle(request, tx, source);
      return;
    }
    if (tx !== null) {
      const response = buildReply(request, 405, 'Method Not Allowed');
      response.headers.append('Allow', 'OPTIONS, REGISTER');
      tx.respond(response);
    }
  }

  /**
   * Removes outside SIP callers' unanswered calls older than the directory's `outsideCalls.keepDays`;
   * how many went.
   */
  pruneHistory(): number {
    const keepMs = this.directoryValue.settings.outsideCalls.keepDays * DAY_MS;
    try {
      const pruned = pruneOutsideCalls(
        this.options.db,
        (this.options.clock ?? Date.now)() - keepMs,
      );
      if (pruned > 0)
        this.options.log.info({ calls: pruned }, 'outside calls pruned from the history');
      return pruned;
    } catch (error) {
      this.options.log.error({ err: error }, 'could not prune the call history');
      return 0;
    }
  }

  private async reloadIfChanged(): Promise<void> {
    try {
      const version = await dataVersion(this.options.db);
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.directoryValue = await loadDirectory(this.options.db);
      await this.resolveTrunkHosts();
      await this.learnTrunkAddresses();
      this.registerTrunks();
      this.options.log.info(
        { extensions: this.directoryValue.extensions.size },
        'directory reloaded',
      );
      this.events.emit({ type: 'directory' });
    } catch (error) {
      this.options.log.error({ err: error }, 'could not reload the directory');
    }
  }

  /** (Re)starts the registration of every trunk that has a username. */
  private registerTrunks(): void {
    for (const registration of this.trunkRegistrations) registration.stop();
    this.trunkRegistrations = this.directoryValue.trunks
      .filter((trunk) => trunk.username !== null)
      .map(
        (trunk) =>
          new TrunkRegistration(
            this.stack,
            trunk,
            {
              address: this.hosts.get(trunk.host) ?? trunk.host,
              contactHost: this.stack.addressFor(this.hosts.get(trunk.host) ?? trunk.host),
              contactPort: this.stack.port(trunk.transport) ?? this.options.sipPort,
            },
            this.options.log,
          ),
      );
    for (const registration of this.trunkRegistrations) registration.start();
  }

  /** Our address toward each trunk, known before we write to it first (its REGISTER, a call). */
  private async learnTrunkAddresses(): Promise<void> {
    await Promise.all(
      [...this.hosts].map(([host, address]) => this.stack.learnAddress(host, address)),
    );
  }

  private async resolveTrunkHosts(): Promise<void> {
    const hosts = new Map<string, string>();
    for (const trunk of this.directoryValue.trunks) {
      try {
        hosts.set(trunk.host, (await lookup(trunk.host)).address);
      } catch {
        this.options.log.warn({ trunk: trunk.name, host: trunk.host }, 'cannot resolve trunk host');
      }
    }
    this.hosts = hosts;
  }
}

/** An overload episode in the log: when it began and why, when it ended and what it refused. */
function overloadLog(log: Logger): (change: OverloadChange) => void {
  return (change) => {
    const { utilization, delayMs, queueBytes } = change.sample;
    const load = {
      utilization: Math.round(utilization * 100) / 100,
      delayMs: Math.round(delayMs),
      ...(queueBytes === undefined ? {} : { queueBytes }),
    };
    if (change.kind === 'shedding') {
      log.warn(
        { ...load, cause: change.cause },
        'overloaded: refusing new INVITEs and REGISTERs with 503',
      );
    } else {
      log.info({ ...load, refused: change.shed }, 'overload over: taking every request again');
    }
  };
}

/**
 * The address to write in our Contact and Via: the listening address, or for a wildcard one, the
 * machine's first outside IPv4 address (loopback when it has none).
 */
export function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
