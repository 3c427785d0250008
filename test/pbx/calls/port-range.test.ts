import { describe, expect, it } from 'vitest';
import { DEFAULT_RTP_PORTS, parsePortRange } from '../../../src/pbx/calls/port-range.js';

describe('the RTP port range setting', () => {
  it('reads min-max, spaces allowed, and the default', () => {
    expect(parsePortRange(DEFAULT_RTP_PORTS)).toEqual({ min: 10000, max: 20000 });
    expect(parsePortRange(' 30000 - 30001 ')).toEqual({ min: 30000, max: 30001 });
  });

  it.each([
    ['10000', /min-max/],
    ['a-b', /min-max/],
    ['80-2000', /1024-65535/],
    ['60000-70000', /1024-65535/],
    ['30001-30002', /no even port/],
    ['30002-30001', /no even port/],
  ])('refuses %s, saying why', (text, why) => {
    expect(() => parsePortRange(text)).toThrow(why);
  });
});
