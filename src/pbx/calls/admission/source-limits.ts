/**
 * Limits per source address for outside callers (`outsideCalls.concurrent` calls in progress,
 * `outsideCalls.perMinute` calls started in a sliding minute), so one address cannot take the
 * PBX's calls, RTP ports and history for itself. Over a limit: 503 with Retry-After
 * (RFC 3261 §21.5.4, §20.33), before any port is taken.
 */
import type { Logger } from 'pino';
import { buildReply } from '../../../sip/stack.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

const MINUTE_MS = 60_000;
/** How long a source over its concurrent-calls limit is asked to wait: a short call's length. */
const BUSY_RETRY_S = 10;

interface Usage {
  active: number;
  /** Epoch ms of the calls started within the last minute, oldest first. */
  starts: number[];
}

export type LimitVerdict =
  | { ok: true; release: () => void }
  | { ok: false; limit: 'concurrent' | 'per-minute'; retryAfterS: number };

export class SourceLimiter {
  /** Map order is least recently seen first. */
  private readonly usage = new Map<string, Usage>();

  constructor(private readonly maxTracked = 10_000) {}

  /** Sources tracked (for tests and metrics). */
  get size(): number {
    return this.usage.size;
  }

  /** Counts one call from `address`, or says which limit it is over. */
  take(
    address: string,
    limits: { concurrent: number; perMinute: number },
    now: number,
  ): LimitVerdict {
    const usage = this.usage.get(address) ?? { active: 0, starts: [] };
    this.touch(address, usage);
    const since = now - MINUTE_MS;
    while (usage.starts.length > 0 && (usage.starts[0] as number) <= since) usage.starts.shift();
    if (usage.active >= limits.concurrent) {
      return { ok: false, limit: 'concurrent', retryAfterS: BUSY_RETRY_S };
    }
    if (usage.starts.length >= limits.perMinute) {
      const oldest = usage.starts[0] as number;
      return {
        ok: false,
        limit: 'per-minute',
        retryAfterS: Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000)),
      };
    }
    usage.active++;
    usage.starts.push(now);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        usage.active--;
      },
    };
  }

  private touch(address: string, usage: Usage): void {
    this.usage.delete(address);
    this.usage.set(address, usage);
    if (this.usage.size <= this.maxTracked) return;
    // Forget the least recently seen source with no call in progress (a source with calls is
    // bounded by the calls themselves).
    for (const [key, value] of this.usage) {
      if (value.active === 0) {
        this.usage.delete(key);
        return;
      }
    }
  }
}

export function sourceLimits(
  limiter: SourceLimiter,
  clock: () => number,
  log: Logger,
): AdmissionStep {
  return (attempt, next) => {
    if (attempt.caller?.kind !== 'outside') {
      next();
      return;
    }
    const verdict = limiter.take(
      attempt.source.address,
      attempt.directory.settings.outsideCalls,
      clock(),
    );
    if (!verdict.ok) {
      decided(log, attempt, 'limits', `over the ${verdict.limit} limit: 503`);
      const response = buildReply(attempt.request, 503, 'Service Unavailable');
      response.headers.append('Retry-After', String(verdict.retryAfterS));
      attempt.tx.respond(response);
      return;
    }
    attempt.onRelease.push(verdict.release);
    next();
  };
}
