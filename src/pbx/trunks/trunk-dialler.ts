/**
 * Outgoing calls through a trunk (design §5): which trunk, the number in the format the trunk
 * wants, and the outbound policy checked again at dial time, since the directory may have changed
 * since the rule was saved.
 */
import type { Logger } from 'pino';
import type { Caller, Directory, Trunk } from '../../domain/types.js';
import { classifyNumber, formatNumber } from '../../domain/numbers.js';
import type { TrunkDialler, TrunkRoute } from '../calls/ports.js';

export class DirectoryTrunkDialler implements TrunkDialler {
  constructor(
    private readonly directory: () => Directory,
    private readonly log: Logger,
  ) {}

  dial(
    number: string,
    presentation: 'caller' | 'anonymous',
    caller: Caller,
    _callerName: string | null,
  ): TrunkRoute | null {
    const { settings, trunks } = this.directory();
    const trunk = trunks[0];
    if (trunk === undefined) {
      this.log.warn({ number }, 'no trunk to dial through');
      return null;
    }
    const numberClass = classifyNumber(number, settings.country);
    if (!settings.outboundPolicy.allow.includes(numberClass)) {
      this.log.warn({ number, numberClass }, 'outbound policy refuses the number');
      return null;
    }
    const dialled = formatNumber(number, trunk.numberFormat, settings.country);
    return {
      destination: { protocol: trunk.transport, address: trunk.host, port: trunk.port },
      requestUri: trunkUri(dialled, trunk),
      to: `<${trunkUri(dialled, trunk)}>`,
      fromHost: trunk.host,
      callerUser: presentedUser(caller, trunk, settings.country, presentation),
      trusted: trunk.trusted,
    };
  }
}

function trunkUri(user: string, trunk: Trunk): string {
  const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
  return `sip:${user}@${trunk.host}:${trunk.port}${transport}`;
}

/**
 * The caller's number as the trunk presents it. An outside caller (a forwarded call) keeps its
 * own number. An extension calling out shows its outbound number, as 3CX users know it: the
 * inbound number that rings that extension, else the trunk's first inbound number (the company's
 * main number). For a withheld presentation the number still goes to a trusted trunk in
 * P-Asserted-Identity (RFC 3325), so it is computed either way.
 */
function presentedUser(
  caller: Caller,
  trunk: Trunk,
  country: string,
  _presentation: 'caller' | 'anonymous',
): string | null {
  if (caller.kind === 'external' && caller.e164 !== null && caller.e164.startsWith('+')) {
    return formatNumber(caller.e164, trunk.numberFormat, country);
  }
  if (caller.kind !== 'internal') return null;
  const inbound = Object.entries(trunk.inbound);
  const own = inbound.find(([, target]) => target === caller.extension) ?? inbound[0];
  return own === undefined ? null : formatNumber(own[0], trunk.numberFormat, country);
}
