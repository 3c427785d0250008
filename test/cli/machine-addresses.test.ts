import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineAddresses } from '../../src/cli/machine-addresses.js';

function address(family: 'IPv4' | 'IPv6', value: string, internal = false): NetworkInterfaceInfo {
  const common = { address: value, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...common, family } : { ...common, family, scopeid: 0 };
}

describe('machineAddresses', () => {
  it('gives every address of the interfaces but loopback and link-local, IPv4 first', () => {
    expect(
      machineAddresses({
        lo: [address('IPv4', '127.0.0.1', true), address('IPv6', '::1', true)],
        eth0: [address('IPv6', 'fe80::1'), address('IPv4', '192.0.2.10')],
        docker0: [address('IPv4', '172.17.0.1'), address('IPv6', '2001:db8::5')],
      }),
    ).toEqual(['192.0.2.10', '172.17.0.1', '[2001:db8::5]']);
  });

  it('falls back to 127.0.0.1 on a machine with loopback only', () => {
    expect(machineAddresses({ lo: [address('IPv4', '127.0.0.1', true)] })).toEqual(['127.0.0.1']);
  });
});
