/**
 * What the PBX counts for an operator, in one Prometheus registry (`prom-client`) per process,
 * served by the API at `/metrics`. Collection stays off the hot paths: counters are bumped where
 * an event already happens (a call ends, an authentication fails, a request is shed, an RTP
 * session closes), and the gauges read the PBX's own tables only when scraped (`collect`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallHistorySink } from '../store/call-history-repository.js';
import type { CallOutcome } from './calls/outcome.js';
import type { ResolvedHosts } from './trunks/inbound.js';
import type { RtpSession } from '../media/rtp-session.js';
import type { OverloadStatus } from '../sip/overload/overload-control.js';
import type { UdpQueue } from '../sip/overload/udp-queue.js';

/** What the gauges read at scrape time; the running PBX provides it. */
export interface MetricSources {
  activeCalls(): number;
  /** Live registrations (bindings) of every extension. */
  registrations(): number;
  /** Source addresses the auth guard refuses now. */
  blockedAddresses(): number;
  /** Busy-lamp and presence subscriptions alive now. */
  presenceSubscriptions?(): number;
  /** Overload control's state and the SIP socket's kernel queue; undefined when it is off. */
  overload?(): (OverloadStatus & { udp: UdpQueue | undefined }) | undefined;
}

/**
 * Why a new request got 503 before any work: overload control (`load`), the transaction table or
 * a source's share of it (`transactions`), the call table (`calls`).
 */
export type ShedReason = 'load' | 'transactions' | 'calls';

/**
 * Whom an RTP session faced: a trunk (the carrier) or a phone. Media between two phones does not
 * pass through the PBX and is not counted.
 */
export type MediaClass = 'trunk' | 'phone';

/** What an RTP session had received when it closed. */
export interface ReceptionSummary {
  packetsReceived: number;
  /** Expected minus received (RFC 3550 §6.4.1 cumulative lost); duplicates may make it negative. */
  packetsLost: number;
  /** Interarrival jitter in RTP timestamp units (8 kHz for G.711). */
  jitter: number;
}

const G711_RATE = 8000;

export class PbxMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | null = null;
  private readonly callsEnded: Counter<'outcome'>;
  private readonly shedTotal: Counter<'method' | 'reason'>;
  private readonly udpDrops: Counter;
  private udpDropsSeen = 0;
  private readonly authFailures: Counter<'protocol'>;
  private readonly blocks: Counter;
  private readonly rtpReceived: Counter<'class'>;
  private readonly rtpLost: Counter<'class'>;
  private readonly rtpJitter: Histogram<'class'>;
  private readonly mails: Counter<'result'>;

  /** `defaultMetrics`: the process's own (CPU, memory, event-loop delay, GC); on by default. */
  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const read = (pick: (s: MetricSources) => number) => () => {
      const sources = this.sources;
      return sources === null ? 0 : pick(sources);
    };
    gauge(
      registers,
      'renvoi_calls_active',
      'Calls in progress',
      read((s) => s.activeCalls()),
    );
    gauge(
      registers,
      'renvoi_registrations_active',
      'Live registrations (bindings) of all extensions',
      read((s) => s.registrations()),
    );
    gauge(
      registers,
      'renvoi_presence_subscriptions_active',
      'Busy-lamp (dialog) and presence subscriptions of phones',
      read((s) => s.presenceSubscriptions?.() ?? 0),
    );
    gauge(
      registers,
      'renvoi_blocked_addresses',
      'Source addresses refused now after repeated authentication failures',
      read((s) => s.blockedAddresses()),
    );
    this.callsEnded = new Counter({
      name: 'renvoi_calls_total',
      help: 'Calls ended, by outcome (as the call history records it)',
      labelNames: ['outcome'],
      registers,
    });
    this.shedTotal = new Counter({
      name: 'renvoi_sip_shed_total',
      help: 'New requests answered 503 before any work, by method and reason (load, transactions, calls)',
      labelNames: ['method', 'reason'],
      registers,
    });
    const overload = () => this.sources?.overload?.();
    gauge(
      registers,
      'renvoi_overload_shed_ratio',
      'Share of new INVITEs and REGISTERs overload control refuses now (0: none, 1: all)',
      () => overload()?.shedRatio ?? 0,
    );
    gauge(
      registers,
      'renvoi_event_loop_utilization',
      'Event-loop utilisation over the last load sample (0-1)',
      () => overload()?.last?.utilization ?? 0,
    );
    gauge(
      registers,
      'renvoi_sip_udp_queue_bytes',
      'Bytes of datagrams waiting unread in the kernel for the SIP UDP socket',
      () => overload()?.udp?.bytes ?? 0,
    );
    this.udpDrops = new Counter({
      name: 'renvoi_sip_udp_drops_total',
      help: 'Datagrams the kernel dropped for the SIP UDP socket because its queue was full',
      registers,
      collect: () => {
        // The kernel keeps the total; the counter follows it.
        const drops = overload()?.udp?.drops ?? this.udpDropsSeen;
        if (drops > this.udpDropsSeen) this.udpDrops.inc(drops - this.udpDropsSeen);
        this.udpDropsSeen = Math.max(this.udpDropsSeen, drops);
      },
    });
    this.authFailures = new Counter({
      name: 'renvoi_auth_failures_total',
      help: 'Failed authentications: SIP digest (REGISTER, INVITE, SUBSCRIBE) and web logins',
      labelNames: ['protocol'],
      registers,
    });
    this.blocks = new Counter({
      name: 'renvoi_address_blocks_total',
      help: 'Times a source address was blocked after repeated SIP authentication failures',
      registers,
    });
    this.rtpReceived = new Counter({
      name: 'renvoi_rtp_packets_received_total',
      help: 'RTP packets received by the PBX, counted when its session closes, by peer class',
      labelNames: ['class'],
      registers,
    });
    this.rtpLost = new Counter({
      name: 'renvoi_rtp_packets_lost_total',
      help: 'RTP packets lost on the way to the PBX (RFC 3550 cumulative lost), by peer class',
      labelNames: ['class'],
      registers,
    });
    this.rtpJitter = new Histogram({
      name: 'renvoi_rtp_jitter_seconds',
      help: 'Interarrival jitter (RFC 3550 §6.4.1) of each RTP session when it closed, by peer class',
      labelNames: ['class'],
      // 1 ms to 160 ms: a jitter buffer of a few 20 ms frames absorbs the lower half.
      buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16],
      registers,
    });
    this.mails = new Counter({
      name: 'renvoi_voicemail_mails_total',
      help: 'Voicemail e-mail attempts: sent, failed to be tried again (retry), refused for good',
      labelNames: ['result'],
      registers,
    });
    // Outcomes and classes are known in advance: present at 0 before the first event, so that a
    // rate() over a fresh PBX is 0 rather than absent.
    for (const outcome of CALL_OUTCOMES) this.callsEnded.labels(outcome).inc(0);
    for (const method of ['INVITE', 'REGISTER', 'other']) {
      for (const reason of SHED_REASONS) this.shedTotal.labels(method, reason).inc(0);
    }
    for (const protocol of ['sip', 'web']) this.authFailures.labels(protocol).inc(0);
    for (const result of MAIL_RESULTS) this.mails.labels(result).inc(0);
    for (const cls of ['trunk', 'phone']) {
      this.rtpReceived.labels(cls).inc(0);
      this.rtpLost.labels(cls).inc(0);
    }
  }

  /** The running PBX's tables, read by the gauges on each scrape. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  detach(): void {
    this.sources = null;
  }

  callEnded(outcome: CallOutcome): void {
    this.callsEnded.labels(outcome).inc();
  }

  /** A new request refused with 503 before any work. */
  shed(method: string, reason: ShedReason): void {
    // A method is the sender's choice: other ones share a label, so labels stay few.
    const label = method === 'INVITE' || method === 'REGISTER' ? method : 'other';
    this.shedTotal.labels(label, reason).inc();
  }

  sipAuthFailure(blockedNow: boolean): void {
    this.authFailures.labels('sip').inc();
    if (blockedNow) this.blocks.inc();
  }

  webLoginFailure(): void {
    this.authFailures.labels('web').inc();
  }

  rtpSessionClosed(cls: MediaClass, summary: ReceptionSummary): void {
    // A session that never received anything (a prompt to a caller who sent no RTP) says nothing
    // about the network.
    if (summary.packetsReceived === 0) return;
    this.rtpReceived.labels(cls).inc(summary.packetsReceived);
    if (summary.packetsLost > 0) this.rtpLost.labels(cls).inc(summary.packetsLost);
    this.rtpJitter.labels(cls).observe(summary.jitter / G711_RATE);
  }

  /** One attempt of the voicemail e-mail queue. */
  mailAttempt(result: MailResult): void {
    this.mails.labels(result).inc();
  }

  /** The exposition (text format 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const SHED_REASONS = ['load', 'transactions', 'calls'] as const satisfies readonly ShedReason[];
/** What became of one attempt to send a voicemail e-mail. */
export type MailResult = 'sent' | 'retry' | 'refused';
const MAIL_RESULTS: readonly MailResult[] = ['sent', 'retry', 'refused'];

const CALL_OUTCOMES = [
  'answered',
  'busy',
  'no-answer',
  'cancelled',
  'failed',
  'unavailable',
  'voicemail',
] as const satisfies readonly CallOutcome[];

function gauge(registers: Registry[], name: string, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(value());
    },
  });
}

/** The call history sink, counting each call's outcome as it is recorded. */
export function countingOutcomes(sink: CallHistorySink, metrics: PbxMetrics): CallHistorySink {
  // Everything else the sink does passes through: repeat conditions read its recent calls.
  const recentCalls = sink.recentCalls?.bind(sink);
  return {
    ...(recentCalls === undefined ? {} : { recentCalls }),
    recordStart: (start) => sink.recordStart(start),
    recordAnswer: (id, at, answeredBy) => sink.recordAnswer(id, at, answeredBy),
    recordEnd: (id, at, end) => {
      metrics.callEnded(end.outcome);
      return sink.recordEnd(id, at, end);
    },
  };
}

/**
 * The media layer's close hook: each RTP session's reception, classed by whom it faced, a trunk
 * when its peer's address is one of the trunks' resolved addresses.
 */
export function countReception(
  metrics: PbxMetrics,
  trunkAddresses: () => ResolvedHosts,
): (session: RtpSession) => void {
  return (session) => {
    const peer = session.remoteTarget?.address;
    let cls: MediaClass = 'phone';
    if (peer !== undefined) {
      for (const address of trunkAddresses().values()) if (address === peer) cls = 'trunk';
    }
    metrics.rtpSessionClosed(cls, session.statistics);
  };
}
