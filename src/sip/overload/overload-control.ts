/**
 * Overload control: from samples of the process's own load, the share of new INVITEs and
 * REGISTERs to refuse with 503 and Retry-After (RFC 3261 §21.5.4), before any transaction,
 * authentication or database work is done for them. Requests inside a dialog (a To tag), ACK,
 * CANCEL, BYE and retransmissions of admitted requests always pass: calls in progress are served.
 *
 * The share moves like TCP's congestion window turned around (additive decrease, multiplicative
 * increase of what is refused): a sample above any high threshold doubles it (the first refuses a
 * quarter), a sample below the low thresholds takes a step off it, and a sample between them a
 * quarter of a step if no datagram waits unread (else it holds). So the PBX settles just under its
 * high thresholds, carrying what it can and refusing the rest, clears a queue at once, and
 * recovers by itself once the offered load falls, quickly below the low thresholds (the
 * hysteresis). Refusing everything costs so little that the load falls below them then.
 *
 * Utilisation is judged smoothed (an exponential average, each sample weighing half): one turn
 * of the loop that ran long (a collection, a large upload parsed) is not overload, and shedding
 * calls for it refused callers a healthy PBX could serve. A saturated loop crosses the high
 * threshold on its fourth sample (1 s), or on its first when datagrams wait unread behind it
 * (above the queue's low threshold): that is a burst, the case where a second's delay costs.
 * Pure: no clock, no I/O.
 */
import { getTo } from '../message/index.js';
import type { SipRequest } from '../message/index.js';

/** A threshold pair: above `high` the PBX is overloaded, below `low` it has room again. */
export interface Band {
  high: number;
  low: number;
}

export interface OverloadThresholds {
  /** Event-loop utilisation over a sample, 0–1 (perf_hooks eventLoopUtilization). */
  utilization: Band;
  /**
   * 99th percentile of the event-loop delay over a sample, ms (monitorEventLoopDelay): overload
   * only while the loop is also busy (utilisation above its low threshold). A delay alone is the
   * machine's other work (an idle process on a loaded machine sees timers 90 ms late), which
   * refusing calls would not cure: it must neither start shedding nor keep it going.
   */
  delayMs: number;
  /** Bytes of datagrams queued in the kernel for the SIP UDP socket (Linux /proc/net/udp). */
  queueBytes: Band;
}

export interface OverloadSettings extends OverloadThresholds {
  /** Seconds written in the 503's Retry-After; each refusal adds up to as much again at random. */
  retryAfterSeconds: number;
  /** Share taken off what is refused after each calm sample. */
  recoveryStep: number;
}

/**
 * Defaults for a PBX on its own machine: a loop busy 90 % of the time, turns late by 250 ms while
 * busy, or a quarter of the 4 MiB receive buffer (udp.ts) waiting is overload; recovery below
 * 70 % and 128 KiB. Samples are 250 ms apart (load-sampler.ts), so the whole range is crossed in 5 s.
 */
export const DEFAULT_OVERLOAD: OverloadSettings = {
  utilization: { high: 0.9, low: 0.7 },
  delayMs: 250,
  queueBytes: { high: 1024 * 1024, low: 128 * 1024 },
  retryAfterSeconds: 5,
  recoveryStep: 0.05,
};

/** One sample of the process's load. */
export interface LoadSample {
  utilization: number;
  delayMs: number;
  /** Undefined where the queue cannot be read (not Linux, no UDP listener). */
  queueBytes: number | undefined;
}

/** What overload control reports, for the metrics and the admin. */
export interface OverloadStatus {
  /** Share of new INVITEs and REGISTERs refused now, 0–1. */
  shedRatio: number;
  /** The last sample, if any. */
  last: LoadSample | undefined;
  /** Requests refused since start. */
  shed: number;
  /** The smoothed event-loop utilisation the thresholds are compared with, 0–1. */
  utilization: number;
}

/** An overload episode began or ended: for the log. */
export type OverloadChange =
  | { kind: 'shedding'; sample: LoadSample; cause: string }
  | { kind: 'recovered'; sample: LoadSample; shed: number };

const FIRST_SHARE = 0.25;
/** Weight of the newest sample in the smoothed utilisation. */
const SMOOTHING = 0.5;
/** Methods whose new requests are refused: the ones that start work (a call, a binding). */
const SHED_METHODS: ReadonlySet<string> = new Set(['INVITE', 'REGISTER']);

export class OverloadControl {
  private ratio = 0;
  /** Deterministic spreading of refusals: one each time the running sum reaches a whole. */
  private credit = 0;
  private lastSample: LoadSample | undefined;
  private shedTotal = 0;
  private shedInEpisode = 0;
  private utilization = 0;

  constructor(
    private readonly settings: OverloadSettings = DEFAULT_OVERLOAD,
    private readonly onChange: (change: OverloadChange) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {
    checkSettings(settings);
  }

  status(): OverloadStatus {
    return {
      shedRatio: this.ratio,
      last: this.lastSample,
      shed: this.shedTotal,
      utilization: this.utilization,
    };
  }

  /** A new sample of the load: moves the share refused. */
  sample(sample: LoadSample): void {
    this.lastSample = sample;
    this.utilization = SMOOTHING * sample.utilization + (1 - SMOOTHING) * this.utilization;
    const over = this.overCause(sample);
    if (over !== null) {
      const was = this.ratio;
      this.ratio = Math.min(1, Math.max(FIRST_SHARE, was * 2));
      if (was === 0) this.onChange({ kind: 'shedding', sample, cause: over });
      return;
    }
    if (this.ratio === 0) return;
    const step = this.settings.recoveryStep;
    if (this.calm(sample)) this.ratio = Math.max(0, this.ratio - step);
    // Requests already waiting unread are latency every caller pays: no creeping back then.
    else if (this.unqueued(sample)) this.ratio = Math.max(0, this.ratio - step / 4);
    else return;
    // Floating steps may leave a crumb: below half a step is nothing.
    if (this.ratio < this.settings.recoveryStep / 2) {
      this.ratio = 0;
      this.credit = 0;
      this.onChange({ kind: 'recovered', sample, shed: this.shedInEpisode });
      this.shedInEpisode = 0;
    }
  }

  /**
   * Whether to refuse this new request (no transaction matched it): the Retry-After seconds if
   * so, else null.
   */
  refuse(request: SipRequest): number | null {
    if (this.ratio === 0 || !SHED_METHODS.has(request.method)) return null;
    if (getTo(request)?.tag !== undefined) return null;
    this.credit += this.ratio;
    if (this.credit < 1) return null;
    this.credit -= 1;
    this.shedTotal++;
    this.shedInEpisode++;
    // Spread the retries, so that the refused do not all come back in the same second.
    const base = this.settings.retryAfterSeconds;
    return base + Math.floor(this.random() * (base + 1));
  }

  /** Which threshold a sample is above, or null. */
  private overCause(s: LoadSample): string | null {
    const t = this.settings;
    if (this.utilization >= t.utilization.high) {
      return `event-loop utilisation ${round(this.utilization)}`;
    }
    // A saturated turn with requests waiting unread behind it is overload now, not in a second.
    if (s.utilization >= t.utilization.high && !this.unqueued(s)) {
      return `event-loop utilisation ${round(s.utilization)} with ${s.queueBytes} bytes queued`;
    }
    if (s.delayMs >= t.delayMs && this.utilization >= t.utilization.low) {
      return `event-loop delay ${Math.round(s.delayMs)} ms`;
    }
    if (s.queueBytes !== undefined && s.queueBytes >= t.queueBytes.high) {
      return `${s.queueBytes} bytes queued on the SIP socket`;
    }
    return null;
  }

  private calm(s: LoadSample): boolean {
    return this.utilization < this.settings.utilization.low && this.unqueued(s);
  }

  private unqueued(s: LoadSample): boolean {
    return s.queueBytes === undefined || s.queueBytes < this.settings.queueBytes.low;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Settings that cannot work are a programming or configuration error, said at once. */
export function checkSettings(s: OverloadSettings): void {
  const bands: [string, Band][] = [
    ['utilization', s.utilization],
    ['queueBytes', s.queueBytes],
  ];
  if (!(s.delayMs > 0)) throw new RangeError(`overload delayMs ${s.delayMs} must be above 0`);
  for (const [name, band] of bands) {
    if (!(band.low >= 0 && band.low <= band.high)) {
      throw new RangeError(
        `overload ${name}: low ${band.low} must be between 0 and high ${band.high}`,
      );
    }
  }
  if (!(s.recoveryStep > 0 && s.recoveryStep <= 1)) {
    throw new RangeError(`overload recoveryStep ${s.recoveryStep} must be in (0, 1]`);
  }
  if (!(Number.isInteger(s.retryAfterSeconds) && s.retryAfterSeconds >= 1)) {
    throw new RangeError(`overload retryAfterSeconds ${s.retryAfterSeconds} must be a whole ≥ 1`);
  }
}
