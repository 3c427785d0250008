/**
 * Overload control's thresholds for `renvoi start`, from the environment (each optional; the
 * defaults are in sip/overload/overload-control.ts):
 *
 * - `RENVOI_OVERLOAD=off` turns it off;
 * - `RENVOI_OVERLOAD_UTILIZATION=HIGH,LOW` event-loop utilisation, 0–1 (default 0.9,0.7);
 * - `RENVOI_OVERLOAD_DELAY_MS=MS` event-loop delay, 99th percentile, while busy (default 250);
 * - `RENVOI_OVERLOAD_QUEUE_KIB=HIGH,LOW` KiB waiting on the SIP UDP socket (default 1024,128);
 * - `RENVOI_OVERLOAD_RETRY_AFTER=S` seconds in the 503's Retry-After (default 5).
 *
 * A value that does not parse stops the start with a message naming the variable.
 */
import type { OverloadOptions } from '../sip/stack.js';
import type { Band } from '../sip/overload/overload-control.js';

type Env = Readonly<Record<string, string | undefined>>;

export function overloadSettings(env: Env): OverloadOptions | undefined {
  const onOff = (env.RENVOI_OVERLOAD ?? '').trim().toLowerCase();
  if (onOff === 'off') return undefined;
  if (onOff !== '' && onOff !== 'on') {
    throw new Error(`RENVOI_OVERLOAD: "${env.RENVOI_OVERLOAD}" is neither on nor off`);
  }
  const options: OverloadOptions = {};
  const utilization = band(env, 'RENVOI_OVERLOAD_UTILIZATION', 1);
  if (utilization !== undefined) options.utilization = utilization;
  const delay = env.RENVOI_OVERLOAD_DELAY_MS?.trim();
  if (delay !== undefined && delay !== '') {
    const ms = Number(delay);
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new Error(
        `RENVOI_OVERLOAD_DELAY_MS: "${delay}" is not a number of milliseconds above 0`,
      );
    }
    options.delayMs = ms;
  }
  const queue = band(env, 'RENVOI_OVERLOAD_QUEUE_KIB', 1024);
  if (queue !== undefined) options.queueBytes = queue;
  const retry = env.RENVOI_OVERLOAD_RETRY_AFTER?.trim();
  if (retry !== undefined && retry !== '') {
    const seconds = Number(retry);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw new Error(
        `RENVOI_OVERLOAD_RETRY_AFTER: "${retry}" is not a whole number of seconds from 1 to 3600`,
      );
    }
    options.retryAfterSeconds = seconds;
  }
  return options;
}

/** "HIGH,LOW" (LOW ≤ HIGH, both ≥ 0) times `unit`. */
function band(env: Env, name: string, unit: number): Band | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [high, low] = parts;
  if (
    parts.length !== 2 ||
    high === undefined ||
    low === undefined ||
    !Number.isFinite(high) ||
    !Number.isFinite(low) ||
    low < 0 ||
    low > high ||
    (name === 'RENVOI_OVERLOAD_UTILIZATION' && high > 1)
  ) {
    throw new Error(
      `${name}: "${value}" is not HIGH,LOW with 0 ≤ LOW ≤ HIGH (e.g. ${example(name)})`,
    );
  }
  return { high: high * unit, low: low * unit };
}

function example(name: string): string {
  return name === 'RENVOI_OVERLOAD_UTILIZATION' ? '0.9,0.7' : '1024,128';
}
