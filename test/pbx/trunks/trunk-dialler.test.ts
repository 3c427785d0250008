import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildDirectory } from '../../../src/domain/document.js';
import type { Caller, Directory } from '../../../src/domain/types.js';
import { DirectoryTrunkDialler } from '../../../src/pbx/trunks/trunk-dialler.js';

function directory(trunk: Record<string, unknown> | null): Directory {
  const built = buildDirectory({
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      { number: '101', name: 'Alice', password: 'change-me-101' },
    ],
    ringGroups: [{ number: '800', name: 'Accueil', members: ['100'] }],
    trunks: trunk === null ? [] : [{ name: 'carrier', host: '127.0.0.1', port: 5080, ...trunk }],
  });
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  return built.directory;
}

const log = pino({ level: 'silent' });
const alice: Caller = { kind: 'internal', extension: '101' };
const secretary: Caller = { kind: 'internal', extension: '100' };
const mobileCaller: Caller = { kind: 'external', e164: '+33612345678', digits: '0612345678' };

const dialler = (d: Directory) => new DirectoryTrunkDialler(() => d, log);

describe('DirectoryTrunkDialler', () => {
  it('dials in the format the trunk wants, over its transport', () => {
    const national = dialler(directory({ numberFormat: 'national', transport: 'tcp' }));
    expect(national.dial('+33442930698', 'caller', mobileCaller, null)).toMatchObject({
      destination: { protocol: 'tcp', address: '127.0.0.1', port: 5080 },
      requestUri: 'sip:0442930698@127.0.0.1:5080;transport=tcp',
      to: '<sip:0442930698@127.0.0.1:5080;transport=tcp>',
      callerUser: '0612345678',
      trusted: false,
    });
    const e164 = dialler(directory({ numberFormat: 'e164' }));
    expect(e164.dial('+33442930698', 'caller', mobileCaller, null)?.requestUri).toBe(
      'sip:+33442930698@127.0.0.1:5080',
    );
    const international = dialler(directory({ numberFormat: 'international' }));
    expect(international.dial('+33442930698', 'caller', mobileCaller, null)?.callerUser).toBe(
      '0033612345678',
    );
  });

  it('checks the outbound policy again when dialling', () => {
    const d = dialler(directory({}));
    expect(d.dial('+33899123456', 'caller', alice, null)).toBeNull();
    expect(d.dial('+442079460000', 'caller', alice, null)).toBeNull();
    expect(d.dial('+33611223344', 'caller', alice, null)).not.toBeNull();
  });

  it('refuses when there is no trunk', () => {
    expect(dialler(directory(null)).dial('+33442930698', 'caller', alice, null)).toBeNull();
  });

  it("shows an extension's own inbound number, else the company's main number", () => {
    const d = dialler(directory({ inbound: { '0442000000': '800', '0442000101': '101' } }));
    expect(d.dial('+33442930698', 'caller', alice, null)?.callerUser).toBe('0442000101');
    expect(d.dial('+33442930698', 'caller', secretary, null)?.callerUser).toBe('0442000000');
    const none = dialler(directory({}));
    expect(none.dial('+33442930698', 'caller', alice, null)?.callerUser).toBeNull();
  });

  it('shows no number for a withheld caller', () => {
    const d = dialler(directory({ inbound: { '0442000000': '800' } }));
    expect(d.dial('+33442930698', 'anonymous', { kind: 'anonymous' }, null)?.callerUser).toBeNull();
  });
});
