/**
 * Which of our addresses to write for a peer (Via sent-by, Contact, SDP `o=`/`c=`): issue 9 §1.
 *
 * A PBX listening on every address has one per network; the one a peer can reach is the one the
 * kernel would send from to reach it. That is learnt from a connected UDP socket's `address()`
 * (connecting a UDP socket sends nothing: the kernel only picks the route and source), once per
 * peer address, and kept in a bounded cache. The transport learns a peer before handing its first
 * message up, so everything written in answer finds it; until learnt (a peer we write to first),
 * the machine's interface whose network holds the peer answers, else its first outside address.
 *
 * Listening on one address writes that address. Behind a NAT with forwarded ports,
 * `publicAddress` is written for peers outside `localNets` (RFC 1918, loopback, link-local,
 * CGNAT and IPv6 unique-local by default, plus the machine's own networks).
 */
import { createSocket } from 'node:dgram';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

export const DEFAULT_LOCAL_NETS: readonly string[] = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

export interface LocalAddressOptions {
  /** Where the PBX listens; `0.0.0.0`, `::` or empty: every address. */
  bind: string;
  /** Written for peers outside `localNets` (a PBX behind a NAT with forwarded ports). */
  publicAddress?: string;
  /** CIDR blocks of the peers that reach us directly; default DEFAULT_LOCAL_NETS. */
  localNets?: readonly string[];
  /** Peers remembered; the least recently learnt goes first. Default 4096. */
  maxEntries?: number;
  /** Lookups under way at once; beyond, a peer's message goes up without waiting. Default 256. */
  maxPending?: number;
  /** The machine's interfaces (tests). */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

const LOOKUP_TIMEOUT_MS = 1000;

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Parse `a.b.c.d/n` or `x::/n` (a bare address is a /32 or /128); null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; family: 4 | 6 } | null {
  const [address = '', bits, ...rest] = text.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === '') return null;
  return { address, prefix, family: family as 4 | 6 };
}

function blockOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (cidr === null) throw new Error(`"${text}" is not an address or CIDR block`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** `::ffff:192.0.2.1` is the IPv4 peer 192.0.2.1 seen through a dual-stack socket. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function typeOf(address: string): 'ipv4' | 'ipv6' | null {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : null;
}

/** The source address the kernel would use to reach `peer`, or undefined (no route). */
function kernelSource(peer: string): Promise<string | undefined> {
  const type = typeOf(peer);
  if (type === null) return Promise.resolve(undefined);
  const socket = createSocket(type === 'ipv4' ? 'udp4' : 'udp6');
  return new Promise((resolve) => {
    let settled = false;
    const done = (address: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(address);
    };
    const timer = setTimeout(() => done(undefined), LOOKUP_TIMEOUT_MS);
    socket.once('error', () => done(undefined));
    // Port 9 (discard): any port does, nothing is sent.
    socket.connect(9, peer, () => {
      try {
        done(socket.address().address);
      } catch {
        done(undefined);
      }
    });
  });
}

export class LocalAddresses {
  private readonly bind: string;
  private readonly publicAddress: string | undefined;
  private readonly localNets: BlockList;
  private readonly maxEntries: number;
  private readonly maxPending: number;
  private readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Peer → our address toward it, in the order learnt (oldest first). */
  private readonly learnt = new Map<string, string>();
  /** Peers being looked up, with what waits for the answer, in arrival order. */
  private readonly pending = new Map<string, (() => void)[]>();

  constructor(options: LocalAddressOptions) {
    this.bind = isWildcard(options.bind) ? '' : plain(options.bind);
    this.publicAddress = options.publicAddress;
    this.interfaces = options.interfaces ?? networkInterfaces;
    this.localNets = blockOf(options.localNets ?? DEFAULT_LOCAL_NETS);
    if (options.localNets === undefined) {
      // The machine's own networks are local, whatever their addresses.
      for (const ni of this.outside()) {
        const cidr = ni.cidr === null ? null : parseCidr(ni.cidr);
        if (cidr !== null) {
          this.localNets.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
        }
      }
    }
    this.maxEntries = options.maxEntries ?? 4096;
    this.maxPending = options.maxPending ?? 256;
  }

  /** The address to write for `peer` (an IP address, or a name: then the fallback). */
  for(peer: string): string {
    const address = plain(peer);
    if (this.publicAddress !== undefined && !this.isLocal(address)) return this.publicAddress;
    if (this.bind !== '') return this.bind;
    return this.learnt.get(address) ?? this.guess(address);
  }

  /** Whether `peer` is in the local networks (it is then given our own address, not the public one). */
  isLocal(peer: string): boolean {
    const address = plain(peer);
    const type = typeOf(address);
    return type !== null && this.localNets.check(address, type);
  }

  /**
   * Run `then` once the kernel's answer for `peer` is known: at once when it is (or none is
   * needed), else after the lookup, in the order asked. Never throws; `then` runs exactly once.
   */
  whenKnown(peer: string, then: () => void): void {
    const address = plain(peer);
    if (!this.needsLookup(address)) {
      then();
      return;
    }
    const waiting = this.pending.get(address);
    if (waiting !== undefined) {
      waiting.push(then);
      return;
    }
    if (this.pending.size >= this.maxPending) {
      then();
      return;
    }
    this.pending.set(address, [then]);
    void kernelSource(address).then((local) => {
      if (local !== undefined) this.remember(address, plain(local));
      const queued = this.pending.get(address) ?? [];
      this.pending.delete(address);
      for (const run of queued) run();
    });
  }

  /** Learn `peer` ahead of writing to it (a trunk, a phone we call first). */
  learn(peer: string): Promise<void> {
    return new Promise((resolve) => this.whenKnown(peer, resolve));
  }

  /** Whether `host` is an address we may have written (a response's Via is ours, RFC 3261 §18.1.2). */
  isOurs(host: string): boolean {
    const address = plain(host).toLowerCase();
    if (address === this.publicAddress?.toLowerCase() || address === this.bind.toLowerCase()) {
      return true;
    }
    for (const mine of this.learnt.values()) if (mine.toLowerCase() === address) return true;
    return this.all().some((ni) => plain(ni.address).toLowerCase() === address);
  }

  /** Peers remembered (bounded by maxEntries). */
  get size(): number {
    return this.learnt.size;
  }

  private needsLookup(address: string): boolean {
    if (this.bind !== '' || this.learnt.has(address) || typeOf(address) === null) return false;
    // Behind a NAT, a peer outside gets the public address whatever the route.
    return this.publicAddress === undefined || this.isLocal(address);
  }

  private remember(peer: string, local: string): void {
    this.learnt.delete(peer);
    this.learnt.set(peer, local);
    if (this.learnt.size > this.maxEntries) {
      const oldest = this.learnt.keys().next();
      if (oldest.done !== true) this.learnt.delete(oldest.value);
    }
  }

  /** Before the kernel has answered: the interface whose network holds the peer, else the first. */
  private guess(peer: string): string {
    const type = typeOf(peer);
    if (type === null) return this.first('ipv4');
    if (peer.startsWith('127.') || peer === '::1') return peer === '::1' ? '::1' : '127.0.0.1';
    for (const ni of this.all()) {
      const cidr = ni.cidr === null ? null : parseCidr(ni.cidr);
      if (cidr === null || (cidr.family === 4) !== (type === 'ipv4')) continue;
      const net = new BlockList();
      net.addSubnet(cidr.address, cidr.prefix, type);
      if (net.check(peer, type)) return ni.address;
    }
    return this.first(type);
  }

  private first(type: 'ipv4' | 'ipv6'): string {
    const family = type === 'ipv4' ? 'IPv4' : 'IPv6';
    const found = this.outside().find((ni) => ni.family === family && !/^fe80:/i.test(ni.address));
    return found?.address ?? (type === 'ipv4' ? '127.0.0.1' : '::1');
  }

  private all(): NetworkInterfaceInfo[] {
    return Object.values(this.interfaces()).flatMap((list) => list ?? []);
  }

  private outside(): NetworkInterfaceInfo[] {
    return this.all().filter((ni) => !ni.internal);
  }
}
