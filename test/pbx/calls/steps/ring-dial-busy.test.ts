import { describe, expect, it } from 'vitest';
import { busy } from '../../../../src/pbx/calls/steps/busy.js';
import { dial } from '../../../../src/pbx/calls/steps/dial.js';
import { ring } from '../../../../src/pbx/calls/steps/ring.js';
import type { TrunkRoute } from '../../../../src/pbx/calls/ports.js';
import { FakeTrunks, device } from '../fakes.js';
import { stepContext } from './step-fixtures.js';

describe('ring step', () => {
  it('rings every registered device of each extension, with the step timeout', () => {
    const ctx = stepContext({ contacts: { '100': [device(1), device(2)], '101': [device(3)] } });
    ring(ctx, { do: 'ring', extensions: ['100', '101'], timeout: 20 });
    expect(ctx.calls).toEqual(['ring']);
    const [rung] = ctx.rung;
    expect(rung?.timeout).toBe(20);
    expect(rung?.targets.map((t) => [t.target, t.uri, t.to])).toEqual([
      ['100', device(1).uri, '<sip:100@pbx.test>'],
      ['100', device(2).uri, '<sip:100@pbx.test>'],
      ['101', device(3).uri, '<sip:101@pbx.test>'],
    ]);
    expect(rung?.targets[2]?.destination).toEqual(device(3).destination);
    expect(rung?.targets[0]?.presentation.from).toContain('+33612345678');
  });

  it("skips the caller's own extension and says which extension is not registered", () => {
    const ctx = stepContext({
      caller: { kind: 'internal', extension: '101' },
      contacts: { '101': [device(3)], '102': [device(4)] },
    });
    ring(ctx, { do: 'ring', extensions: ['100', '101', '102'], timeout: 15 });
    expect(ctx.rung[0]?.targets.map((t) => t.target)).toEqual(['102']);
    expect(ctx.logs).toEqual(['extension 100 is not registered: skipped']);
  });

  it('fails as unreachable when nothing can ring', () => {
    const ctx = stepContext({ caller: { kind: 'internal', extension: '100' } });
    ring(ctx, { do: 'ring', extensions: ['100', '101'], timeout: 20 });
    expect(ctx.calls).toEqual(['failed unreachable']);
  });
});

describe('dial step', () => {
  const route: TrunkRoute = {
    destination: { protocol: 'udp', address: '203.0.113.5', port: 5060 },
    requestUri: 'sip:0442930698@203.0.113.5',
    to: '<sip:0442930698@203.0.113.5>',
    fromHost: 'trunk.test',
    callerUser: '0612345678',
    trusted: false,
    headers: [['X-Account', '42']],
  };

  it('rings one leg through the trunk, with its headers, presented as the plan says', () => {
    const trunks = new FakeTrunks(route);
    const ctx = stepContext({ trunks });
    dial(ctx, { do: 'dial', number: '+33442930698', presentation: 'anonymous', timeout: 30 });
    expect(trunks.calls).toEqual([{ number: '+33442930698', presentation: 'anonymous' }]);
    const [rung] = ctx.rung;
    expect(rung?.timeout).toBe(30);
    expect(rung?.targets).toHaveLength(1);
    const target = rung?.targets[0];
    expect(target?.target).toBe('+33442930698');
    expect(target?.uri).toBe(route.requestUri);
    expect(target?.extra).toEqual([['X-Account', '42']]);
    expect(target?.presentation.from).toContain('anonymous');
  });

  it('fails as unreachable without a trunk for the number', () => {
    const ctx = stepContext();
    dial(ctx, { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: 30 });
    expect(ctx.calls).toEqual(['failed unreachable']);
    expect(ctx.logs).toEqual(['no trunk for +33442930698']);
  });
});

describe('busy step', () => {
  it('ends the call with 486', () => {
    const ctx = stepContext();
    busy(ctx, { do: 'busy' });
    expect(ctx.calls).toEqual(['endCall 486 busy']);
  });
});
