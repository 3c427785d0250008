/**
 * Where an RTP session's datagrams go. `dgram` resolves the destination of every datagram, even an
 * IP address, through the socket's `lookup` function: left to `dns.lookup`, a host name in the
 * remote's SDP (RFC 4566 §5.7 allows one) would be resolved again for every packet, 50 times a
 * second, at the remote's choice of name. So each session has one `SessionLookup`: IP literals are
 * answered at once, and a name is resolved once for the session's lifetime, its answer (or its
 * failure) kept for every later packet.
 */
import dns from 'node:dns';
import type { LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

interface Resolved {
  readonly err: NodeJS.ErrnoException | null;
  readonly address: string;
  readonly family: number;
}

export class SessionLookup {
  private readonly answers = new Map<string, Resolved>();
  private readonly waiting = new Map<string, LookupCallback[]>();

  /** Names resolved so far (at most one lookup each). */
  get names(): number {
    return this.answers.size + this.waiting.size;
  }

  /** The `lookup` option of `dgram.createSocket`. */
  readonly lookup = (hostname: string, options: LookupOneOptions, callback: LookupCallback) => {
    const family = isIP(hostname);
    if (family !== 0) {
      callback(null, hostname, family);
      return;
    }
    const known = this.answers.get(hostname);
    if (known !== undefined) {
      callback(known.err, known.address, known.family);
      return;
    }
    const queue = this.waiting.get(hostname);
    if (queue !== undefined) {
      queue.push(callback);
      return;
    }
    this.waiting.set(hostname, [callback]);
    dns.lookup(hostname, options, (err, address, resolvedFamily) => {
      const answer: Resolved = { err, address, family: resolvedFamily };
      this.answers.set(hostname, answer);
      const callbacks = this.waiting.get(hostname) ?? [];
      this.waiting.delete(hostname);
      for (const waiting of callbacks) waiting(answer.err, answer.address, answer.family);
    });
  };
}
