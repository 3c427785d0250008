import { describe, expect, it } from 'vitest';
import { MAILBOX_MENU } from '../../../src/pbx/calls/call-router.js';
import { pickupTarget } from '../../../src/pbx/calls/transfer/joining.js';

describe('pickup codes', () => {
  it('*20*ext and **ext name the ringing extension, *20 alone a ring group of the picker', () => {
    expect(pickupTarget('*20*101')).toBe('101');
    expect(pickupTarget('**101')).toBe('101');
    expect(pickupTarget('*20')).toBeNull();
  });

  it('anything else is no pickup code, the mailbox menu included', () => {
    for (const dialled of [MAILBOX_MENU, '*2', '*201', '*20*', '**', '***101', '*20*10a', '101']) {
      expect(pickupTarget(dialled), dialled).toBeUndefined();
    }
  });
});
