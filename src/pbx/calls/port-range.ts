/** The RTP port range setting (`RENVOI_RTP_PORTS`, "min-max"), read and checked. Pure. */

export const DEFAULT_RTP_PORTS = '10000-20000';

export class PortRangeSettingError extends Error {
  override readonly name = 'PortRangeSettingError';
}

/**
 * "10000-20000" → { min: 10000, max: 20000 }. RFC 3550 §11: RTP takes an even port and RTCP the
 * next one, so the range must hold at least one such pair; unprivileged ports only.
 */
export function parsePortRange(text: string): { min: number; max: number } {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (match === null) {
    throw new PortRangeSettingError(
      `RTP port range "${text}" is not of the form min-max, e.g. ${DEFAULT_RTP_PORTS}`,
    );
  }
  const min = Number(match[1]);
  const max = Number(match[2]);
  if (min < 1024 || max > 65535) {
    throw new PortRangeSettingError(`RTP port range "${text}" must lie within 1024-65535`);
  }
  const firstEven = min % 2 === 0 ? min : min + 1;
  if (firstEven + 1 > max) {
    throw new PortRangeSettingError(
      `RTP port range "${text}" holds no even port followed by an odd one (RTP and RTCP)`,
    );
  }
  return { min, max };
}
