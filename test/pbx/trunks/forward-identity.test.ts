/**
 * What a forwarded call shows through the trunk (issue 13 §5): the dialler's number for each
 * presentation, and the From, Privacy and P-Asserted-Identity the dial step writes with it.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildDirectory } from '../../../src/domain/document.js';
import type { Caller, DialPresentation, Directory } from '../../../src/domain/types.js';
import { DirectoryTrunkDialler } from '../../../src/pbx/trunks/trunk-dialler.js';
import { trunkPresentation } from '../../../src/pbx/calls/identity.js';

function directory(trunk: Record<string, unknown>): Directory {
  const built = buildDirectory({
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      { number: '101', name: 'Alice', password: 'change-me-101' },
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: 5080,
        inbound: { '0442000000': '100', '0442000101': '101' },
        ...trunk,
      },
    ],
  });
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  return built.directory;
}

const caller: Caller = { kind: 'external', e164: '+33612345678', digits: '0612345678' };

function shown(trunk: Record<string, unknown>, presentation: DialPresentation, who = caller) {
  const d = new DirectoryTrunkDialler(() => directory(trunk), pino({ level: 'silent' }));
  const route = d.dial('+33442930698', presentation, who, 'Jean', '101');
  if (route === null) throw new Error('no route');
  const p = trunkPresentation('Jean', presentation, route);
  return { from: p.from, headers: Object.fromEntries(p.headers) };
}

describe('the identity a forward presents through the trunk', () => {
  it("the caller's number and name, asserted to a trusted trunk", () => {
    expect(shown({ trusted: true }, 'caller')).toEqual({
      from: '"Jean" <sip:0612345678@127.0.0.1>',
      headers: { 'P-Asserted-Identity': '"Jean" <sip:0612345678@127.0.0.1>' },
    });
    expect(shown({}, 'caller')).toEqual({ from: '"Jean" <sip:0612345678@127.0.0.1>', headers: {} });
  });

  it("the company's or the extension's number, without the caller's name", () => {
    expect(shown({ trusted: true }, 'company')).toEqual({
      from: '<sip:0442000000@127.0.0.1>',
      headers: { 'P-Asserted-Identity': '<sip:0442000000@127.0.0.1>' },
    });
    expect(shown({}, 'extension')).toEqual({ from: '<sip:0442000101@127.0.0.1>', headers: {} });
    // A withheld caller does not stop the company's number from showing.
    expect(shown({}, 'company', { kind: 'anonymous' })).toEqual({
      from: '<sip:0442000000@127.0.0.1>',
      headers: {},
    });
  });

  it('private: anonymous From and Privacy: id; the asserted identity only to a trusted trunk', () => {
    const anonymous = '"Anonymous" <sip:anonymous@anonymous.invalid>';
    expect(shown({}, 'anonymous')).toEqual({ from: anonymous, headers: { Privacy: 'id' } });
    expect(shown({ trusted: true }, 'anonymous')).toEqual({
      from: anonymous,
      headers: { Privacy: 'id', 'P-Asserted-Identity': '"Jean" <sip:0612345678@127.0.0.1>' },
    });
    // A trunk that only accepts its own numbers is asserted one of them, not the caller's: the
    // extension's when the step names it.
    expect(shown({ trusted: true, ownNumbersOnly: true }, 'anonymous')).toEqual({
      from: anonymous,
      headers: { Privacy: 'id', 'P-Asserted-Identity': '<sip:0442000101@127.0.0.1>' },
    });
  });
});
