/**
 * Random identifiers for tags, branches, Call-IDs and nonce salts, drawn from a pooled buffer of
 * CSPRNG bytes: one `randomFillSync` per 4 KiB instead of one per identifier, which cost 3 % of the
 * PBX's busy time under load (docs/benchmarks.md §2). Every byte is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes of the pool; the view is valid until the next call. */
function take(bytes: number): number {
  if (bytes > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at once`);
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

/** `bytes` random bytes written as hex or base64url. */
export function randomToken(bytes: number, encoding: 'hex' | 'base64url'): string {
  const at = take(bytes);
  return pool.toString(encoding, at, at + bytes);
}

/** Copies `bytes` random bytes into `target` at `targetStart`. */
export function randomFill(target: Buffer, targetStart: number, bytes: number): void {
  const at = take(bytes);
  pool.copy(target, targetStart, at, at + bytes);
}
