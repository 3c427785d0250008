/**
 * Which of our addresses a peer is given (issue 9 §1), from the kernel's own answer: a connected
 * UDP socket toward loopback peers (the only network a unit test may use). The multi-network
 * story, where the answer differs per peer, is test/network/two-networks.test.ts.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LocalAddresses, parseCidr } from '../../../src/sip/transport/local-address.js';

/** A machine with a LAN 192.0.2.10/24 and a second network 198.51.100.1/24. */
function twoNetworks(): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const ni = (address: string, cidr: string): NetworkInterfaceInfo => ({
    address,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal: false,
    cidr,
  });
  return {
    lan0: [ni('192.0.2.10', '192.0.2.10/24')],
    lan1: [ni('198.51.100.1', '198.51.100.1/24')],
  };
}

describe('LocalAddresses', () => {
  it('learns from the kernel the address a peer reaches us at, before what waits for it runs', async () => {
    const addresses = new LocalAddresses({ bind: '0.0.0.0' });
    const order: string[] = [];
    addresses.whenKnown('127.0.0.2', () => order.push('first'));
    addresses.whenKnown('127.0.0.2', () => order.push('second'));
    // Nothing ran yet: the lookup is under way, and messages keep their order behind it.
    expect(order).toEqual([]);
    await addresses.learn('127.0.0.2');
    expect(order).toEqual(['first', 'second']);
    expect(addresses.for('127.0.0.2')).toBe('127.0.0.1');
    expect(addresses.size).toBe(1);
    // Known: at once.
    addresses.whenKnown('127.0.0.2', () => order.push('third'));
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('before the kernel answers, gives the address on the network that holds the peer', () => {
    const addresses = new LocalAddresses({ bind: '0.0.0.0', interfaces: twoNetworks });
    expect(addresses.for('198.51.100.7')).toBe('198.51.100.1');
    expect(addresses.for('192.0.2.99')).toBe('192.0.2.10');
    // Elsewhere (through a gateway): the first outside address, as before issue 9.
    expect(addresses.for('203.0.113.5')).toBe('192.0.2.10');
    expect(addresses.for('127.0.0.5')).toBe('127.0.0.1');
  });

  it('a concrete listening address is written for every peer', async () => {
    const addresses = new LocalAddresses({ bind: '127.0.0.1', interfaces: twoNetworks });
    let ran = false;
    addresses.whenKnown('198.51.100.7', () => (ran = true));
    expect(ran).toBe(true);
    expect(addresses.for('198.51.100.7')).toBe('127.0.0.1');
    await addresses.learn('127.0.0.9');
    expect(addresses.size).toBe(0);
  });

  it('gives the public address to peers outside the local networks only', () => {
    const addresses = new LocalAddresses({
      bind: '0.0.0.0',
      publicAddress: '203.0.113.1',
      interfaces: twoNetworks,
    });
    expect(addresses.for('198.18.0.9')).toBe('203.0.113.1');
    expect(addresses.for('::ffff:198.18.0.9')).toBe('203.0.113.1');
    // Private ranges and the machine's own networks are local.
    expect(addresses.for('10.1.2.3')).toBe('192.0.2.10');
    expect(addresses.for('198.51.100.7')).toBe('198.51.100.1');
    const narrow = new LocalAddresses({
      bind: '0.0.0.0',
      publicAddress: 'pbx.example.net',
      localNets: ['198.51.100.0/24'],
      interfaces: twoNetworks,
    });
    expect(narrow.for('10.1.2.3')).toBe('pbx.example.net');
    expect(narrow.for('198.51.100.7')).toBe('198.51.100.1');
    expect(narrow.isOurs('pbx.example.net')).toBe(true);
    expect(narrow.isOurs('198.51.100.1')).toBe(true);
    expect(narrow.isOurs('198.51.100.2')).toBe(false);
  });

  it('keeps at most maxEntries peers and bounds lookups under way', async () => {
    const addresses = new LocalAddresses({ bind: '0.0.0.0', maxEntries: 2, maxPending: 1 });
    await addresses.learn('127.0.0.2');
    await addresses.learn('127.0.0.3');
    await addresses.learn('127.0.0.4');
    expect(addresses.size).toBe(2);
    let ranAtOnce = false;
    addresses.whenKnown('127.0.0.5', () => undefined);
    // One lookup is under way: the next peer's message goes up without waiting.
    addresses.whenKnown('127.0.0.6', () => (ranAtOnce = true));
    expect(ranAtOnce).toBe(true);
    await addresses.learn('127.0.0.5');
  });

  it('reads CIDR blocks and refuses what is not one', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 4 });
    expect(parseCidr('fc00::/7')).toEqual({ address: 'fc00::', prefix: 7, family: 6 });
    expect(parseCidr('192.0.2.1')).toEqual({ address: '192.0.2.1', prefix: 32, family: 4 });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'lan', '10.0.0.0/8/1', '::/129']) {
      expect(parseCidr(bad)).toBeNull();
    }
    expect(() => new LocalAddresses({ bind: '0.0.0.0', localNets: ['nope'] })).toThrow(/nope/);
  });
});
