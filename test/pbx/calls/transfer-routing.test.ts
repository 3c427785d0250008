import { describe, expect, it } from 'vitest';
import { route } from '../../../src/domain/route.js';
import type { Caller } from '../../../src/domain/types.js';
import { routeTransfer } from '../../../src/pbx/calls/transfer/transfer-routing.js';
import { directoryOf } from '../../store/helpers.js';

const DIRECTORY = directoryOf({
  country: 'FR',
  timezone: 'Europe/Paris',
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'change-me-100', ringTimeout: 15 },
    { number: '101', name: 'Alice Martin', password: 'change-me-101' },
  ],
  ringGroups: [{ number: '800', name: 'Accueil', strategy: 'ring-all', members: ['100', '101'] }],
});
const CALLER: Caller = { kind: 'external', e164: '+33612345678', digits: '+33612345678' };
const NOW = new Date('2025-03-04T10:00:00Z');

function transfer(target: string, by: string) {
  return routeTransfer(DIRECTORY, target, by, (to) => route({ to, from: CALLER }, DIRECTORY, NOW));
}

describe('routeTransfer', () => {
  it('an extension or a ring group: routed for the caller; the transferor rung back at its timeout', () => {
    const alice = transfer('101', '100');
    expect(alice).toMatchObject({ transferor: '100', returnTimeout: 15 });
    expect(alice !== null && alice !== 'forbidden' && alice.decision.to).toBe('101');
    const group = transfer('800', '100');
    expect(group !== null && group !== 'forbidden' && group.decision.plan[0]).toMatchObject({
      do: 'ring',
      extensions: ['100', '101'],
    });
  });

  it('* and an extension: its voicemail box; an unknown box or number: null', () => {
    expect(transfer('*101', '100')).toMatchObject({
      decision: { to: '101', plan: [{ do: 'voicemail', mailbox: '101' }] },
    });
    expect(transfer('*999', '100')).toBeNull();
    expect(transfer('999', '100')).toBeNull();
  });

  it('an outside number: dialled for an extension within the policy, else forbidden', () => {
    expect(transfer('0442930698', '100')).toMatchObject({
      decision: {
        to: '+33442930698',
        plan: [{ do: 'dial', number: '+33442930698', presentation: 'caller', timeout: 15 }],
      },
      transferor: '100',
    });
    // A trunk's party (or any number) is no extension: it may not send the call out.
    expect(transfer('0442930698', '+33442930698')).toBe('forbidden');
    // Premium rate: outside the default policy even for an extension.
    expect(transfer('0899123456', '100')).toBe('forbidden');
  });
});
