/**
 * Networks for the network tests, all in namespaces the test creates: a phone behind a NAT (a
 * router namespace masquerading, with nftables, what a LAN namespace sends out of its WAN link
 * to ours), and what the tests read of a baresip phone. Removing the namespaces removes their
 * links, their rules and everything in them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import type { Baresip, Netns } from '../interop/baresip.js';

let created = 0;

function run(args: string[], input?: string): void {
  execFileSync(args[0] as string, args.slice(1), {
    stdio: ['pipe', 'ignore', 'pipe'],
    timeout: 10_000,
    ...(input === undefined ? {} : { input }),
  });
}

export interface NatNetwork {
  /** The phone's side, as `Baresip` takes it: the PBX at `hostAddress`, the phone at its private one. */
  phone: Netns;
  /** The router's address on our link: what the PBX sees the phone's packets come from. */
  publicAddress: string;
  remove(): void;
}

/**
 * A LAN 192.168.77.0/24 behind a router that masquerades it onto a /30 link to this namespace
 * (us .1, the router .2). The router forwards TCP `forwardedPort` to the phone: the test's way to
 * its control port, nothing SIP or RTP.
 */
export function createNat(forwardedPort: number): NatNetwork {
  created += 1;
  const id = `${process.pid % 10000}${created}`;
  const router = `rvr-${id}`;
  const lan = `rvl-${id}`;
  const ours = `rvw${id}`.slice(0, 15);
  const wan = `rvx${id}`.slice(0, 15);
  const routerLan = `rvy${id}`.slice(0, 15);
  const phoneLan = `rvz${id}`.slice(0, 15);
  const octet2 = 128 + (process.pid % 64);
  const octet3 = Math.floor(process.pid / 64) % 256;
  const base = (created * 4) % 256;
  const hostAddress = `10.${octet2}.${octet3}.${base + 1}`;
  const publicAddress = `10.${octet2}.${octet3}.${base + 2}`;
  const remove = (): void => {
    for (const ns of [lan, router]) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch {
        // Not created yet.
      }
    }
  };
  try {
    run(['ip', 'netns', 'add', router]);
    run(['ip', 'netns', 'add', lan]);
    const inRouter = (...args: string[]) => run(['ip', 'netns', 'exec', router, ...args]);
    const inLan = (...args: string[]) => run(['ip', 'netns', 'exec', lan, ...args]);
    run(['ip', 'link', 'add', ours, 'type', 'veth', 'peer', 'name', wan]);
    run(['ip', 'link', 'set', wan, 'netns', router]);
    run(['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', ours]);
    run(['ip', 'link', 'set', ours, 'up']);
    inRouter('ip', 'addr', 'add', `${publicAddress}/30`, 'dev', wan);
    inRouter('ip', 'link', 'set', wan, 'up');
    inRouter('ip', 'link', 'set', 'lo', 'up');
    inRouter('ip', 'link', 'add', routerLan, 'type', 'veth', 'peer', 'name', phoneLan);
    inRouter('ip', 'link', 'set', phoneLan, 'netns', lan);
    inRouter('ip', 'addr', 'add', '192.168.77.1/24', 'dev', routerLan);
    inRouter('ip', 'link', 'set', routerLan, 'up');
    inRouter('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    run(
      ['ip', 'netns', 'exec', router, 'nft', '-f', '-'],
      [
        'table ip nat {',
        '  chain prerouting {',
        '    type nat hook prerouting priority dstnat;',
        `    iifname "${wan}" tcp dport ${forwardedPort} dnat to 192.168.77.2`,
        '  }',
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat;',
        `    oifname "${wan}" masquerade`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    inLan('ip', 'addr', 'add', '192.168.77.2/24', 'dev', phoneLan);
    inLan('ip', 'link', 'set', phoneLan, 'up');
    inLan('ip', 'link', 'set', 'lo', 'up');
    inLan('ip', 'route', 'add', 'default', 'via', '192.168.77.1');
  } catch (error) {
    remove();
    throw error;
  }
  return {
    phone: {
      name: lan,
      hostAddress,
      peerAddress: '192.168.77.2',
      remove,
    },
    publicAddress,
    remove,
  };
}

/** What the phone heard (`-dec`), the first half second of set-up left out. */
export function heard(phone: Baresip): Int16Array {
  const file = phone.recordings().find((f) => f.endsWith('-dec.wav'));
  if (file === undefined) throw new Error(`no recording in ${phone.dir}`);
  return decodeWavTo8kMono(readFileSync(file)).subarray(4000);
}

/** The SIP messages in a baresip trace (`-s`) whose text matches `start`. */
export function traced(phone: Baresip, start: RegExp): string[] {
  return phone.output
    .split(/\n(?=(?:SIP\/2\.0 \d{3}|[A-Z]+ sip:))/)
    .filter((block) => start.test(block));
}
