import { describe, expect, it } from 'vitest';
import { transferDecision } from '../../src/domain/transfer.js';
import type { Decision } from '../../src/domain/types.js';

const statusForwarding: Decision = {
  to: '101',
  exception: null,
  action: null,
  plan: [
    { do: 'ring', extensions: ['101'], timeout: 20 },
    { do: 'voicemail', mailbox: '101' },
  ],
  trace: [{ code: 'no-exception', extension: '101' }],
};

describe('transferDecision', () => {
  it("without an exception, the target's voicemail gives way to ringing the transferor back", () => {
    const { decision, returnStep } = transferDecision(statusForwarding, {
      by: '100',
      target: '101',
      returnTo: '100',
      returnTimeout: 15,
    });
    expect(decision.plan).toEqual([
      { do: 'ring', extensions: ['101'], timeout: 20 },
      { do: 'ring', extensions: ['100'], timeout: 15 },
    ]);
    expect(returnStep).toBe(1);
    expect(decision.trace).toEqual([
      { code: 'transferred', extension: '100', target: '101' },
      { code: 'no-exception', extension: '101' },
    ]);
  });

  it('a busy target (its plan only its voicemail) rings the transferor back at once', () => {
    const busy = { ...statusForwarding, plan: [{ do: 'voicemail' as const, mailbox: '101' }] };
    const result = transferDecision(busy, {
      by: '100',
      target: '101',
      returnTo: '100',
      returnTimeout: 15,
    });
    expect(result.decision.plan).toEqual([{ do: 'ring', extensions: ['100'], timeout: 15 }]);
    expect(result.returnStep).toBe(0);
  });

  it('an exception that fired is followed as is; nobody to return to keeps the plan', () => {
    const fired = { ...statusForwarding, exception: 0 };
    const byRule = transferDecision(fired, {
      by: '100',
      target: '101',
      returnTo: '100',
      returnTimeout: 15,
    });
    expect(byRule.decision.plan).toEqual(statusForwarding.plan);
    expect(byRule.returnStep).toBeNull();
    const noReturn = transferDecision(statusForwarding, {
      by: '+33442930698',
      target: '101',
      returnTo: null,
      returnTimeout: 20,
    });
    expect(noReturn.decision.plan).toEqual(statusForwarding.plan);
    expect(noReturn.returnStep).toBeNull();
  });
});
