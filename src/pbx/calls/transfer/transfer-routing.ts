/**
 * Where a blind transfer's Refer-To target leads (design §4, §5): an extension or a ring group is
 * routed as if the original caller had called it (`routeAsCaller`, the router's `route()`), so
 * its exceptions apply to that caller; `*` + extension is that extension's voicemail box; an
 * outside number is dialled through the trunk when the transferor is an extension and the
 * outbound policy allows its class (toll-fraud guard: a trunk's party cannot send the call out).
 */
import { canonicalNumber, classifyNumber } from '../../../domain/numbers.js';
import type { Decision, Directory } from '../../../domain/types.js';
import type { TransferRouting } from '../call-core.js';

type Routed = ReturnType<TransferRouting['route']>;

export function routeTransfer(
  directory: Directory,
  target: string,
  by: string,
  routeAsCaller: (to: string) => Decision,
): Routed {
  const transferor = directory.extensions.get(by);
  const result = (decision: Decision): Routed => ({
    decision,
    transferor: transferor === undefined ? null : by,
    returnTimeout: transferor?.ringTimeout ?? 20,
  });
  const plain = (to: string, plan: Decision['plan']): Decision => ({
    to,
    exception: null,
    action: null,
    plan,
    trace: [],
  });
  if (target.startsWith('*')) {
    const mailbox = target.slice(1);
    if (!directory.extensions.has(mailbox)) return null;
    return result(plain(mailbox, [{ do: 'voicemail', mailbox }]));
  }
  if (directory.extensions.has(target) || directory.ringGroups.has(target)) {
    return result(routeAsCaller(target));
  }
  const { country, outboundPolicy } = directory.settings;
  const e164 = canonicalNumber(target, country);
  if (e164 === null) return null;
  if (transferor === undefined) return 'forbidden';
  if (!outboundPolicy.allow.includes(classifyNumber(e164, country))) return 'forbidden';
  const timeout = transferor.ringTimeout;
  return result(plain(e164, [{ do: 'dial', number: e164, presentation: 'caller', timeout }]));
}
