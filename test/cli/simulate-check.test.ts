import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GUIDE = join(ROOT, 'examples', 'guide.yaml');

async function renvoi(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: { LANG: 'en_GB.UTF-8', ...env },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('renvoi simulate on the guide examples', () => {
  let data: string;
  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'renvoi-simulate-'));
    expect((await renvoi(['import', GUIDE, '--data', data])).code).toBe(0);
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  const simulate = async (from: string, ...extra: string[]) => {
    const r = await renvoi([
      'simulate',
      '--to',
      '101',
      '--from',
      from,
      '--json',
      '--data',
      data,
      ...extra,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as Record<string, unknown>;
  };

  it('sends mobile callers to the secretary voicemail, however the number is written', async () => {
    for (const from of [
      '+33 6 12 34 56 78',
      '0612345678',
      '0033 6 12 34 56 78',
      '07.12.34.56.78',
    ]) {
      const d = await simulate(from);
      expect(d.exception).toBe(1);
      expect(d.action).toEqual({ type: 'extension', target: '100', voicemail: true });
      expect(d.plan).toEqual([{ do: 'voicemail', mailbox: '100' }]);
    }
  });

  it('prints exactly the keys of design §6, with canonical caller and worded trace', async () => {
    const d = await simulate('+33 6 12 34 56 78');
    expect(Object.keys(d)).toEqual(['to', 'from', 'exception', 'action', 'plan', 'trace']);
    expect(d.to).toBe('101');
    expect(d.from).toBe('+33612345678');
    expect(d.trace).toEqual([
      expect.objectContaining({
        code: 'exception-caller-mismatch',
        exception: 0,
        text: expect.stringContaining('exception 1'),
      }),
      expect.objectContaining({ code: 'exception-matched', exception: 1 }),
    ]);
  });

  it('forwards 06 00 00 00 00 to the external number, showing the caller', async () => {
    const d = await simulate('+33600000000');
    expect(d.exception).toBe(0);
    expect(d.plan).toEqual([
      { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: null },
    ]);
  });

  it('bounces every other caller to the mobile, then voicemail', async () => {
    const d = await simulate('04 91 00 00 00');
    expect(d.exception).toBe(2);
    expect(d.plan).toEqual([
      { do: 'announce', prompt: 'locating', extension: '101' },
      { do: 'dial', number: '+33611223344', presentation: 'anonymous', timeout: 20 },
      { do: 'announce', prompt: 'unavailable' },
      { do: 'voicemail', mailbox: '101' },
    ]);
  });

  it('treats an internal caller and a withheld one as the * rule says', async () => {
    expect((await simulate('102')).from).toBe('102');
    expect((await simulate('102')).exception).toBe(2);
    const anonymous = await simulate('anonymous');
    expect(anonymous.from).toBe('anonymous');
    expect(anonymous.exception).toBe(2);
  });

  it('honours --at in the directory time zone and --status', async () => {
    const ring = await renvoi([
      'simulate',
      '--to',
      '800',
      '--from',
      '0491000000',
      '--json',
      '--data',
      data,
      '--at',
      '2026-11-25T10:00',
    ]);
    expect(JSON.parse(ring.out).plan[0]).toEqual({
      do: 'ring',
      extensions: ['100', '102'],
      timeout: 20,
    });
    const d = await simulate('0491000000', '--status', 'dnd');
    expect(d.exception).toBe(2);
  });

  it('says in words what will happen, in French or English', async () => {
    const fr = await renvoi(
      ['simulate', '--to', '101', '--from', '04 91 00 00 00', '--data', data],
      { LANG: 'fr_FR.UTF-8' },
    );
    expect(fr.out).toContain('Exception 3 appliquée : Mon mobile, avec rebond');
    expect(fr.out).toContain('Veuillez patienter pendant que nous localisons 101');
    expect(fr.out).toContain('appeler 06 11 22 33 44 en numéro privé pendant 20 s');
    expect(fr.out).toContain('messagerie vocale du 101');
    const en = await renvoi([
      'simulate',
      '--to',
      '101',
      '--from',
      '0612345678',
      '--data',
      data,
      '--lang',
      'en',
    ]);
    expect(en.out).toContain('Exception 2 fires: Extension 100, voicemail box');
  });

  it('refuses bad arguments with a message that names them', async () => {
    const unknown = await renvoi([
      'simulate',
      '--to',
      '999',
      '--from',
      '0612345678',
      '--data',
      data,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('999');
    const badAt = await renvoi([
      'simulate',
      '--to',
      '101',
      '--from',
      '06',
      '--at',
      'tomorrow',
      '--data',
      data,
    ]);
    expect(badAt.code).toBe(2);
    expect(badAt.err).toContain('"tomorrow"');
    const badStatus = await renvoi([
      'simulate',
      '--to',
      '101',
      '--from',
      '06',
      '--status',
      'asleep',
      '--data',
      data,
    ]);
    expect(badStatus.code).toBe(2);
    expect(badStatus.err).toContain('asleep');
    expect((await renvoi(['simulate', '--from', '06', '--data', data])).code).toBe(2);
  });
});

describe('renvoi check', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'renvoi-check-'));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('passes the guide examples', async () => {
    expect((await renvoi(['import', GUIDE, '--data', data])).code).toBe(0);
    const r = await renvoi(['check', '--data', data]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('No problem');
  });

  it('exits 1 and names the shadowed exception and the loop', async () => {
    const file = join(data, 'bad.yaml');
    writeFileSync(
      file,
      stringify({
        extensions: [
          { number: '100', name: 'Secrétariat', password: 'change-me-100' },
          {
            number: '101',
            name: 'Alice',
            password: 'change-me-101',
            exceptions: [
              {
                callerId: '06* 07*',
                action: { type: 'extension', target: '100', voicemail: true },
              },
              { callerId: '06 00 00 00 00', action: { type: 'busy' } },
              { callerId: 'anonymous', action: { type: 'extension', target: '102' } },
            ],
          },
          {
            number: '102',
            name: 'Bruno',
            password: 'change-me-102',
            exceptions: [{ callerId: '*', action: { type: 'extension', target: '101' } }],
          },
        ],
      }),
    );
    expect((await renvoi(['import', file, '--data', data])).code).toBe(0);
    const text = await renvoi(['check', '--data', data]);
    expect(text.code).toBe(1);
    expect(text.out).toContain(
      '101, exception 2 ("06 00 00 00 00") can never fire: exception 1 ("06* 07*") takes all those calls first.',
    );
    expect(text.out).toContain('Forwarding loop: 101 → 102 → 101.');
    const json = await renvoi(['check', '--data', data, '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { ok: boolean; findings: { kind: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.findings.map((f) => f.kind).sort()).toEqual(['loop', 'shadowed']);
    const fr = await renvoi(['check', '--data', data, '--lang', 'fr']);
    expect(fr.out).toContain('ne s’appliquera jamais');
  });
});

describe('issue 13 from the command line: dates, repeat callers, statuses', () => {
  let data: string;
  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'renvoi-conditions-'));
    const file = join(data, 'doc.yaml');
    writeFileSync(
      file,
      stringify({
        extensions: [
          { number: '100', name: 'Secrétariat', password: 'change-me-100' },
          {
            number: '101',
            name: 'Alice',
            password: 'change-me-101',
            mobile: '06 11 22 33 44',
            status: 'dnd',
            exceptions: [
              { callerId: '*', until: '2020-12-31', action: { type: 'busy' } },
              { callerId: '*', statuses: ['dnd'], action: { type: 'voicemail' } },
              { callerId: '*', repeat: { calls: 3, minutes: 10 }, action: { type: 'mobile' } },
            ],
          },
        ],
      }),
    );
    expect((await renvoi(['import', file, '--data', data])).code).toBe(0);
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('check reports the expired rule and the repeat rule below the DND one', async () => {
    const r = await renvoi(['check', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '101, exception 1 ("*") has expired: it was valid until 31/12/2020; delete it or change its dates.',
    );
    expect(r.out).toContain(
      '101, exception 3 ("*", repeat caller) can never fire in status Do not disturb: exception 2 ("*") takes those calls first; move it above.',
    );
  });

  it('simulate counts the caller’s calls in the history as of --at', async () => {
    const { openStore } = await import('../../src/cli/data-dir.js');
    const { sqliteOf } = await import('../../src/store/database.js');
    const db = await openStore(data);
    const insert = sqliteOf(db).prepare(
      `insert into call_history (id, started_at, caller, called, plan, trace)
       values (?, ?, '+33491000000', '101', '[]', '[]')`,
    );
    insert.run('earlier-1', Date.parse('2026-06-01T09:55:00+02:00'));
    insert.run('earlier-2', Date.parse('2026-06-01T09:58:00+02:00'));
    await db.destroy();
    const at = async (time: string) =>
      JSON.parse(
        (
          await renvoi([
            'simulate',
            '--to',
            '101',
            '--from',
            '04 91 00 00 00',
            '--status',
            'available',
            '--at',
            `2026-06-01T${time}`,
            '--json',
            '--data',
            data,
          ])
        ).out,
      ) as { exception: number | null; trace: { code: string; repeat?: unknown }[] };
    const third = await at('10:00');
    expect(third.exception).toBe(2);
    expect(third.trace.find((e) => e.code === 'exception-repeat-reached')).toMatchObject({
      repeat: { count: 3, earlier: [{ id: 'earlier-1' }, { id: 'earlier-2' }] },
    });
    // Eleven minutes after the first, only one earlier call is in the window.
    expect((await at('10:06')).exception).toBeNull();
  });
});

describe('a rule to the mobile after the mobile number is removed (design §4)', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'renvoi-no-mobile-'));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('is imported, reported broken by check and skipped by simulate', async () => {
    const file = join(data, 'no-mobile.yaml');
    writeFileSync(
      file,
      stringify({
        extensions: [
          { number: '100', name: 'Secrétariat', password: 'change-me-100' },
          {
            number: '101',
            name: 'Alice',
            password: 'change-me-101',
            exceptions: [
              { callerId: '*', action: { type: 'mobile', bounce: true } },
              { callerId: '06*', action: { type: 'busy' } },
            ],
          },
        ],
      }),
    );
    const imported = await renvoi(['import', file, '--data', data]);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    const check = await renvoi(['check', '--data', data]);
    expect(check.code).toBe(1);
    expect(check.out).toContain('101, exception 1 is broken: no mobile number is set.');
    const fr = await renvoi(['check', '--data', data, '--lang', 'fr']);
    expect(fr.out).toContain(
      '101, exception 1 est cassée : aucun numéro de mobile n’est renseigné.',
    );
    const sim = await renvoi([
      'simulate',
      '--to',
      '101',
      '--from',
      '0612345678',
      '--json',
      '--data',
      data,
    ]);
    expect(sim.code).toBe(0);
    const decision = JSON.parse(sim.out) as {
      exception: number;
      plan: unknown[];
      trace: unknown[];
    };
    expect(decision.exception).toBe(1);
    expect(decision.plan).toEqual([{ do: 'busy' }]);
    expect(decision.trace).toContainEqual(
      expect.objectContaining({ code: 'exception-broken', exception: 0, reason: 'no-mobile' }),
    );
    const text = await renvoi(['simulate', '--to', '101', '--from', '0612345678', '--data', data]);
    expect(text.out).toContain('exception 1 skipped: no mobile number is set');
  });
});

describe('the built command, as a user runs it', () => {
  it('imports the guide and prints the JSON decision for a mobile caller', async () => {
    const data = mkdtempSync(join(tmpdir(), 'renvoi-bin-'));
    try {
      const run = promisify(execFile);
      const bin = join(ROOT, 'bin', 'renvoi.js');
      await run(process.execPath, [bin, 'import', GUIDE], {
        env: { ...process.env, RENVOI_DATA: data },
      });
      const { stdout } = await run(
        process.execPath,
        [bin, 'simulate', '--to', '101', '--from', '+33 6 12 34 56 78', '--json'],
        { env: { ...process.env, RENVOI_DATA: data } },
      );
      const decision = JSON.parse(stdout) as { exception: number; plan: unknown[] };
      expect(decision.exception).toBe(1);
      expect(decision.plan).toEqual([{ do: 'voicemail', mailbox: '100' }]);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
