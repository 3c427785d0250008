import { describe, expect, it } from 'vitest';
import { overloadSettings } from '../../src/cli/overload-settings.js';

describe('overload settings from the environment', () => {
  it('is on with the defaults when nothing is set, off when asked', () => {
    expect(overloadSettings({})).toEqual({});
    expect(overloadSettings({ RENVOI_OVERLOAD: 'on' })).toEqual({});
    expect(overloadSettings({ RENVOI_OVERLOAD: 'off' })).toBeUndefined();
  });

  it('reads each threshold pair and the Retry-After', () => {
    expect(
      overloadSettings({
        RENVOI_OVERLOAD_UTILIZATION: '0.8, 0.5',
        RENVOI_OVERLOAD_DELAY_MS: '300',
        RENVOI_OVERLOAD_QUEUE_KIB: '512,64',
        RENVOI_OVERLOAD_RETRY_AFTER: '20',
      }),
    ).toEqual({
      utilization: { high: 0.8, low: 0.5 },
      delayMs: 300,
      queueBytes: { high: 512 * 1024, low: 64 * 1024 },
      retryAfterSeconds: 20,
    });
  });

  it.each([
    ['RENVOI_OVERLOAD', 'maybe', /neither on nor off/],
    [
      'RENVOI_OVERLOAD_UTILIZATION',
      '0.5,0.8',
      /RENVOI_OVERLOAD_UTILIZATION: "0.5,0.8" is not HIGH,LOW/,
    ],
    ['RENVOI_OVERLOAD_UTILIZATION', '1.5,0.8', /e\.g\. 0\.9,0\.7/],
    ['RENVOI_OVERLOAD_DELAY_MS', '250,100', /RENVOI_OVERLOAD_DELAY_MS: "250,100" is not a number/],
    ['RENVOI_OVERLOAD_QUEUE_KIB', 'a,b', /RENVOI_OVERLOAD_QUEUE_KIB/],
    ['RENVOI_OVERLOAD_RETRY_AFTER', '0', /whole number of seconds/],
  ])('names %s when "%s" does not parse', (name, value, message) => {
    expect(() => overloadSettings({ [name]: value })).toThrow(message);
  });
});
