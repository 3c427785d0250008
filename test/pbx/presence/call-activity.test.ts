import { describe, expect, it } from 'vitest';
import { CallActivity } from '../../../src/pbx/presence/call-activity.js';
import type { CallView } from '../../../src/pbx/presence/call-activity.js';
import type { ResponseHandlers, Signaling } from '../../../src/pbx/calls/ports.js';

const turn = () => new Promise((r) => setImmediate(r));

function ringing(id: string, callee: string, state = 'early'): CallView {
  return {
    id,
    state: state === 'answered' ? 'answered' : 'ringing',
    caller: { kind: 'internal', extension: '101' },
    callerName: null,
    aCallId: `${id}@x`,
    decision: { to: callee },
    bLegs: [{ target: callee, state }],
  };
}

function setup() {
  let calls: CallView[] = [];
  const activity = new CallActivity('pbx.test', (n) => /^\d{3}$/.test(n));
  activity.watch(() => calls);
  const told: string[][] = [];
  activity.subscribe((changed) => told.push([...changed].sort()));
  const watched = new Set<string>();
  activity.interest(watched);
  return { activity, told, watched, set: (c: CallView[]) => (calls = c) };
}

describe('CallActivity', () => {
  it('reads nothing while nobody watches, yet answers a first NOTIFY with the lines now', async () => {
    const t = setup();
    t.set([ringing('c1', '201')]);
    t.activity.changed();
    expect(t.activity.pending).toBe(0);
    await turn();
    expect(t.told).toEqual([]);
    expect(t.activity.linesOf('201').map((l) => l.state)).toEqual(['early']);
  });

  it('tells watched extensions whose lines changed, once per turn however many messages', async () => {
    const t = setup();
    t.watched.add('201');
    t.set([ringing('c1', '201'), ringing('c2', '202')]);
    for (let i = 0; i < 10; i++) t.activity.changed();
    expect(t.activity.pending).toBe(1);
    await turn();
    // 201 newly watched and ringing; 202 is nobody's business.
    expect(t.told).toEqual([['201']]);
    t.set([ringing('c1', '201', 'answered'), ringing('c2', '202', 'answered')]);
    t.activity.changed();
    await turn();
    expect(t.told.at(-1)).toEqual(['201']);
    expect(t.activity.linesOf('201').map((l) => l.state)).toEqual(['confirmed']);
    // Nothing moved for 201: nobody is told.
    t.activity.changed();
    await turn();
    expect(t.told).toHaveLength(2);
    t.activity.close();
    expect(t.activity.pending).toBe(0);
  });

  it('tells a newly watched extension at the next read even when its call ended meanwhile', async () => {
    const t = setup();
    t.watched.add('201');
    t.activity.changed();
    await turn();
    t.watched.add('202');
    t.set([ringing('c2', '202')]);
    // Its first NOTIFY read the lines on demand: ringing.
    expect(t.activity.linesOf('202').map((l) => l.state)).toEqual(['early']);
    t.set([]);
    t.activity.changed();
    await turn();
    expect(t.told.at(-1)).toEqual(['202']);
    expect(t.activity.linesOf('202')).toEqual([]);
  });

  it('hears every message of a call through the signaling it observes', async () => {
    const t = setup();
    t.watched.add('201');
    const handlers: { onResponse?: () => void } = {};
    let addressAsked = 0;
    // Every member but sendRequest and respond passes through, whatever the port holds.
    const base: Signaling = {
      sendRequest: (_r: unknown, _d: unknown, h: ResponseHandlers) => {
        handlers.onResponse = () => h.onResponse({} as never);
        return { terminated: false, terminate: () => undefined };
      },
      respond: () => undefined,
      sendAck: () => undefined,
      localContact: () => 'sip:pbx@pbx.test',
      addressFor: () => {
        addressAsked++;
        return '127.0.0.1';
      },
    };
    const observed = t.activity.observe(base);
    expect(observed.addressFor({} as never)).toBe('127.0.0.1');
    expect(addressAsked).toBe(1);
    expect(observed.localContact({} as never)).toBe('sip:pbx@pbx.test');
    t.set([ringing('c1', '201')]);
    observed.sendRequest({} as never, {} as never, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    await turn();
    expect(t.told).toEqual([['201']]);
    t.set([ringing('c1', '201', 'answered')]);
    handlers.onResponse?.();
    await turn();
    expect(t.told).toEqual([['201'], ['201']]);
  });
});
