/**
 * `renvoi check`, `export` and `simulate` with issue 13 §4–§5: a trunk that only accepts its own
 * numbers, a rule that would give it the caller's, the fix, and what simulate then says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';

async function renvoi(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: { LANG: 'en_GB.UTF-8' },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function document(action: Record<string, unknown>) {
  return stringify({
    extensions: [
      {
        number: '101',
        name: 'Alice',
        password: 'change-me-101',
        mobile: '06 11 22 33 44',
        exceptions: [{ callerId: '*', action: { type: 'mobile', ...action } }],
      },
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        ownNumbersOnly: true,
        inbound: { '04 42 00 00 00': '101' },
      },
    ],
  });
}

describe('renvoi check and a trunk that only accepts its own numbers', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'renvoi-caller-id-'));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  const load = async (action: Record<string, unknown>) => {
    const file = join(data, 'doc.yaml');
    writeFileSync(file, document(action));
    const imported = await renvoi(['import', file, '--data', data]);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
  };

  it("reports the rule that would show the caller's number, in English, French and JSON", async () => {
    await load({});
    const check = await renvoi(['check', '--data', data]);
    expect(check.code).toBe(1);
    expect(check.out).toContain(
      '101, exception 1 ("*") forwards the call showing the caller\'s number through trunk carrier, which only accepts its own numbers',
    );
    const fr = await renvoi(['check', '--data', data, '--lang', 'fr']);
    expect(fr.out).toContain('qui n’accepte que ses propres numéros');
    const json = JSON.parse((await renvoi(['check', '--data', data, '--json'])).out) as unknown;
    expect(JSON.stringify(json)).toContain('"foreign-caller-id"');
  });

  it('is clean once the rule shows the company number; export and simulate say so', async () => {
    await load({ presentCallerId: 'company', confirm: true });
    const check = await renvoi(['check', '--data', data]);
    expect(check.out).not.toContain('only accepts its own numbers');
    const exported = parse((await renvoi(['export', '--data', data])).out) as {
      extensions: { exceptions: { action: unknown }[] }[];
      trunks: Record<string, unknown>[];
    };
    expect(exported.extensions[0]?.exceptions[0]?.action).toEqual({
      type: 'mobile',
      presentCallerId: 'company',
      confirm: true,
    });
    expect(exported.trunks[0]?.ownNumbersOnly).toBe(true);
    const sim = await renvoi(['simulate', '--to', '101', '--from', '0491000000', '--data', data]);
    expect(sim.code).toBe(0);
    expect(sim.out).toContain(
      "call 06 11 22 33 44 showing the company's number, with no time limit; whoever answers must press 1 to accept",
    );
    expect(sim.out).toContain("101: the forward shows the company's number (+33442000000)");
  });
});
