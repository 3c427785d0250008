/**
 * Calls arriving from a trunk. A trunk is recognised by the address and port its requests come
 * from (IP authentication); what it calls is an inbound number (DID), mapped to an extension or
 * ring group (design §5).
 */
import type { Directory, Trunk } from '../../domain/types.js';
import { canonicalNumber } from '../../domain/numbers.js';
import type { Source } from '../../sip/stack.js';

/**
 * The trunk a request came from, or undefined. The port must match too: on one host (and in the
 * tests, on loopback) a phone and a trunk differ only by port.
 */
export function trunkOf(
  directory: Directory,
  source: Source,
  resolved: ResolvedHosts,
): Trunk | undefined {
  return directory.trunks.find(
    (trunk) =>
      trunk.port === source.port && (resolved.get(trunk.host) ?? trunk.host) === source.address,
  );
}

/** Trunk host names resolved once at start (and on directory change), so matching stays sync. */
export type ResolvedHosts = ReadonlyMap<string, string>;

/** The extension or ring group an inbound number leads to, or undefined. */
export function inboundTarget(
  directory: Directory,
  trunk: Trunk,
  dialled: string,
): string | undefined {
  const e164 = canonicalNumber(dialled, directory.settings.country);
  if (e164 !== null && trunk.inbound[e164] !== undefined) return trunk.inbound[e164];
  return trunk.inbound[dialled];
}
