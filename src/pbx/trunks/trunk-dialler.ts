/**
 * Outgoing calls through a trunk (design §5): which trunk, the number in the format the trunk
 * wants, and the outbound policy checked again at dial time, since the directory may have changed
 * since the rule was saved.
 */
import type { Logger } from 'pino';
import type { Caller, DialPresentation, Directory, Trunk } from '../../domain/types.js';
import { classifyNumber, formatNumber } from '../../domain/numbers.js';
import { assertedNumber, forwardTrunk } from '../../domain/forward-options.js';
import type { TrunkDialler, TrunkRoute } from '../calls/ports.js';

export class DirectoryTrunkDialler implements TrunkDialler {
  constructor(
    private readonly directory: () => Directory,
    private readonly log: Logger,
  ) {}

  dial(
    number: string,
    presentation: DialPresentation,
    caller: Caller,
    _callerName: string | null,
    extension?: string,
  ): TrunkRoute | null {
    const directory = this.directory();
    const { settings } = directory;
    const trunk = forwardTrunk(directory);
    if (trunk === null) {
      this.log.warn({ number }, 'no trunk to dial through');
      return null;
    }
    const numberClass = classifyNumber(number, settings.country);
    if (!settings.outboundPolicy.allow.includes(numberClass)) {
      this.log.warn({ number, numberClass }, 'outbound policy refuses the number');
      return null;
    }
    const dialled = formatNumber(number, trunk.numberFormat, settings.country);
    // For a withheld presentation the identity still goes to a trusted trunk in
    // P-Asserted-Identity (RFC 3325), so it is computed either way.
    const identity = assertedNumber(presentation, caller, extension, trunk);
    return {
      destination: { protocol: trunk.transport, address: trunk.host, port: trunk.port },
      requestUri: trunkUri(dialled, trunk),
      to: `<${trunkUri(dialled, trunk)}>`,
      fromHost: trunk.host,
      callerUser:
        identity === null ? null : formatNumber(identity, trunk.numberFormat, settings.country),
      trusted: trunk.trusted,
      companyIdentity:
        presentation === 'company' ||
        presentation === 'extension' ||
        (presentation === 'anonymous' && trunk.ownNumbersOnly === true),
    };
  }
}

function trunkUri(user: string, trunk: Trunk): string {
  const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
  return `sip:${user}@${trunk.host}:${trunk.port}${transport}`;
}
