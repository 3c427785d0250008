/**
 * The addresses phones should be given when the PBX listens on all of them (issue 9 §1): every
 * address of the machine's interfaces but the loopback, IPv4 first, then IPv6 other than
 * link-local (a phone cannot use one without naming the interface). Only loopback: 127.0.0.1.
 */
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

export function machineAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const outside = all.filter((a) => !a.internal);
  const v4 = outside.filter((a) => a.family === 'IPv4').map((a) => a.address);
  const v6 = outside
    .filter((a) => a.family === 'IPv6' && !/^fe80:/i.test(a.address))
    .map((a) => `[${a.address}]`);
  const found = [...new Set([...v4, ...v6])];
  return found.length > 0 ? found : ['127.0.0.1'];
}
