import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { dialogInfoXml, pidfXml } from '../../../src/pbx/presence/presence-xml.js';
import type { Line } from '../../../src/pbx/presence/presence-xml.js';
import { linesOf } from '../../../src/pbx/presence/call-activity.js';
import type { CallView } from '../../../src/pbx/presence/call-activity.js';

const DIALOG_NS = 'urn:ietf:params:xml:ns:dialog-info';
const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
const RPID_NS = 'urn:ietf:params:xml:ns:pidf:rpid';

/** Parses strictly: any XML error fails the test. */
function parse(xml: string) {
  const errors: string[] = [];
  const document = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(xml, 'text/xml');
  expect(errors).toEqual([]);
  const root = document.documentElement;
  if (root === null) throw new Error('no root element');
  return root;
}

const RINGING: Line = {
  id: 'call-1-201',
  callId: 'abc@pbx',
  state: 'early',
  direction: 'recipient',
  local: { identity: 'sip:201@pbx.test' },
  remote: { identity: 'sip:+33612345678@pbx.test', display: 'Durand & "fils" <SARL>' },
};

describe('dialog-info (RFC 4235 §4.1)', () => {
  it('says idle as a full state without dialogs', () => {
    const root = parse(dialogInfoXml('sip:201@pbx.test', 0, []));
    expect(root.namespaceURI).toBe(DIALOG_NS);
    expect(root.localName).toBe('dialog-info');
    expect(root.getAttribute('version')).toBe('0');
    expect(root.getAttribute('state')).toBe('full');
    expect(root.getAttribute('entity')).toBe('sip:201@pbx.test');
    expect(root.getElementsByTagNameNS(DIALOG_NS, 'dialog').length).toBe(0);
  });

  it('gives a ringing dialog its state, direction and the caller, escaped', () => {
    const root = parse(dialogInfoXml('sip:201@pbx.test', 3, [RINGING]));
    const dialog = root.getElementsByTagNameNS(DIALOG_NS, 'dialog')[0];
    expect(dialog?.getAttribute('id')).toBe('call-1-201');
    expect(dialog?.getAttribute('call-id')).toBe('abc@pbx');
    expect(dialog?.getAttribute('direction')).toBe('recipient');
    expect(dialog?.getElementsByTagNameNS(DIALOG_NS, 'state')[0]?.textContent).toBe('early');
    const remote = dialog?.getElementsByTagNameNS(DIALOG_NS, 'remote')[0];
    const identity = remote?.getElementsByTagNameNS(DIALOG_NS, 'identity')[0];
    expect(identity?.textContent).toBe('sip:+33612345678@pbx.test');
    expect(identity?.getAttribute('display')).toBe('Durand & "fils" <SARL>');
    expect(remote?.getElementsByTagNameNS(DIALOG_NS, 'target')[0]?.getAttribute('uri')).toBe(
      'sip:+33612345678@pbx.test',
    );
  });
});

describe('PIDF (RFC 3863) with RPID activities (RFC 4480)', () => {
  const status = (xml: string) => {
    const root = parse(xml);
    expect(root.namespaceURI).toBe(PIDF_NS);
    expect(root.getAttribute('entity')).toBe('sip:201@pbx.test');
    return {
      basic: root.getElementsByTagNameNS(PIDF_NS, 'basic')[0]?.textContent,
      note: root.getElementsByTagNameNS(PIDF_NS, 'note')[0]?.textContent,
      activities: [...root.getElementsByTagNameNS(RPID_NS, 'activities')].flatMap((a) =>
        [...a.childNodes].filter((n) => n.nodeType === 1).map((n) => n.localName),
      ),
    };
  };

  it('maps each status to basic and an activity', () => {
    const entity = 'sip:201@pbx.test';
    const of = (s: Parameters<typeof pidfXml>[1]['status'], onThePhone = false) =>
      status(pidfXml(entity, { status: s, note: `note ${s}`, onThePhone }));
    expect(of('available')).toEqual({ basic: 'open', note: 'note available', activities: [] });
    expect(of('away')).toMatchObject({ basic: 'open', activities: ['away'] });
    expect(of('dnd')).toMatchObject({ basic: 'closed', activities: ['busy'] });
    expect(of('lunch')).toMatchObject({ basic: 'open', activities: ['meal'] });
    expect(of('business-trip')).toMatchObject({ basic: 'open', activities: ['travel'] });
    expect(of('available', true)).toMatchObject({ activities: ['on-the-phone'] });
  });
});

describe('lines from calls', () => {
  const isExtension = (n: string) => /^\d{3}$/.test(n);
  const call = (over: Partial<CallView>): CallView => ({
    id: 'c1',
    state: 'ringing',
    caller: { kind: 'internal', extension: '101' },
    callerName: 'Alice',
    aCallId: 'a@x',
    decision: { to: '201' },
    bLegs: [{ target: '201', state: 'early' }],
    ...over,
  });

  it('shows the callee ringing with the caller, and the caller early', () => {
    const lines = linesOf([call({})], 'pbx.test', isExtension);
    expect(lines.get('201')).toEqual([
      expect.objectContaining({
        state: 'early',
        direction: 'recipient',
        remote: { identity: 'sip:101@pbx.test', display: 'Alice' },
      }),
    ]);
    expect(lines.get('101')?.[0]).toMatchObject({ state: 'early', direction: 'initiator' });
  });

  it('answered: both confirmed; two devices of one extension make one line', () => {
    const lines = linesOf(
      [
        call({
          state: 'answered',
          bLegs: [
            { target: '201', state: 'answered' },
            { target: '201', state: 'cancelling' },
          ],
        }),
      ],
      'pbx.test',
      isExtension,
    );
    expect(lines.get('201')).toHaveLength(1);
    expect(lines.get('201')?.[0]?.state).toBe('confirmed');
    expect(lines.get('101')?.[0]).toMatchObject({
      state: 'confirmed',
      remote: { identity: 'sip:201@pbx.test' },
    });
  });

  it('a releasing call occupies nobody; outside numbers get no line', () => {
    expect(linesOf([call({ state: 'releasing' })], 'pbx.test', isExtension).size).toBe(0);
    const outside = call({
      caller: { kind: 'external', e164: '+33612345678', digits: '0612345678' },
      bLegs: [{ target: '+33442000000', state: 'early' }],
    });
    expect(linesOf([outside], 'pbx.test', isExtension).size).toBe(0);
  });
});
