import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runImport } from '../../src/cli/commands/import.js';
import { runExport } from '../../src/cli/commands/export.js';
import type { Language } from '../../src/domain/types.js';
import { tempDir } from '../store/helpers.js';

const GOOD = `country: FR
timezone: Europe/Paris
officeHours: { mon-fri: ["09:00-12:30", "14:00-18:00"] }
holidays: ["2026-12-25", { date: "2027-01-01", name: "Jour de l'an" }]
extensions:
  - number: "100"
    name: Secrétariat
    password: "change-me-100"
  - number: 101
    name: Alice Martin
    password: "change-me-101"
    mobile: "06 11 22 33 44"
    voicemailPin: "1234"
    ringTimeout: 20
    forwarding: { dnd: { type: busy } }
    exceptions:
      - callerId: "06* 07*"
        action: { type: extension, target: "100", voicemail: true }
      - callerId: "06 00 00 00 00"
        action: { type: external, number: "04 42 93 06 98", bounce: true }
      - callerId: "*"
        hours: outside-office
        action: { type: mobile, bounce: true }
      - callerId: anonymous
        hours: specific
        periods: { sat: ["09:00-12:00"] }
        statuses: [dnd]
        enabled: false
        action: { type: busy }
ringGroups:
  - number: "800"
    name: Accueil
    strategy: hunt
    members: ["100", "101"]
    timeout: 20
    fallback: { type: voicemail, mailbox: "100" }
trunks:
  - name: carrier
    host: 127.0.0.1
    port: 5080
    transport: udp
    inbound: { "0442000000": "800" }
`;

/** The good document with mistakes on known lines. */
const BAD = GOOD.replace('callerId: "06* 07*"', 'callerId: "06*a"')
  .replace('mobile: "06 11 22 33 44"', 'mobile: 0611223344')
  .replace('    ringTimeout: 20\n', '    ringTimout: 20\n')
  .replace('members: ["100", "101"]', 'members: ["100", "109"]');

interface Run {
  code: number;
  out: string;
  err: string;
}

async function importFile(file: string, dataDir: string, lang: Language = 'en'): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runImport({
    file,
    dataDir,
    lang,
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
  });
  return { code, out, err };
}

async function exportData(dataDir: string, format: 'yaml' | 'json'): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runExport({
    dataDir,
    format,
    out: (s) => (out += s),
    err: (s) => (err += `${s}\n`),
  });
  return { code, out, err };
}

describe('renvoi import / export', () => {
  let tmp: { dir: string; remove: () => void };
  let dataDir: string;
  const write = (name: string, text: string): string => {
    const file = join(tmp.dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    tmp = tempDir('cli');
    dataDir = join(tmp.dir, 'data');
  });
  afterEach(() => tmp.remove());

  it('imports a good document into a new data directory', async () => {
    const result = await importFile(write('good.yaml', GOOD), dataDir);
    expect(result).toEqual({
      code: 0,
      out: 'imported 2 extension(s), 4 exception(s), 1 ring group(s), 1 trunk(s)\n',
      err: '',
    });
    expect(existsSync(join(dataDir, 'renvoi.sqlite'))).toBe(true);
  });

  it('reads plain YAML 1.2 scalars as written: an unquoted date stays a date string, yes a word', async () => {
    const text = GOOD.replace('holidays: ["2026-12-25",', 'holidays: [2026-12-25,').replace(
      'name: Secrétariat',
      'name: yes',
    );
    expect((await importFile(write('plain.yaml', text), dataDir)).code).toBe(0);
    const out: string[] = [];
    await runExport({ dataDir, format: 'json', out: (s) => out.push(s), err: () => undefined });
    const exported = JSON.parse(out.join('')) as {
      holidays: unknown[];
      extensions: { name: string }[];
    };
    expect(exported.holidays[0]).toBe('2026-12-25');
    expect(exported.extensions[0]?.name).toBe('yes');
  });

  it('refuses a duplicated key, at its line', async () => {
    const text = GOOD.replace(
      '    name: Secrétariat\n',
      '    name: Secrétariat\n    name: Accueil\n',
    );
    const result = await importFile(write('dup.yaml', text), dataDir);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/dup\.yaml:8:\d+: /);
    expect(existsSync(join(dataDir, 'renvoi.sqlite'))).toBe(false);
  });

  it('refuses a bad document with every problem at its line and column, writing nothing', async () => {
    const file = write('bad.yaml', BAD);
    const result = await importFile(file, dataDir);
    expect(result.code).not.toBe(0);
    expect(result.out).toBe('');
    const lines = result.err.trimEnd().split('\n');
    expect(lines).toEqual([
      `${file}:14:5: extensions[1].ringTimout: unknown key "ringTimout"; did you mean "ringTimeout"?`,
      `${file}:12:13: extensions[1].mobile: write it in quotes: YAML reads 611223344 as a number, which loses a leading 0`,
      expect.stringMatching(
        new RegExp(`^${file}:17:19: extensions\\[1\\]\\.exceptions\\[0\\]\\.callerId: .*"06\\*a"`),
      ),
      `${file}:34:22: ringGroups[0].members[1]: extension "109" does not exist`,
      '4 problem(s): nothing was imported',
    ]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('says it in French', async () => {
    const file = write('bad.yaml', BAD);
    const result = await importFile(file, dataDir, 'fr');
    expect(result.err).toContain(
      `${file}:34:22: ringGroups[0].members[1]: l’extension « 109 » n’existe pas`,
    );
    expect(result.err).toContain('4 problème(s) : rien n’a été importé');
  });

  it('leaves the stored directory untouched when a later import fails', async () => {
    await importFile(write('good.yaml', GOOD), dataDir);
    const before = (await exportData(dataDir, 'yaml')).out;
    const database = join(dataDir, 'renvoi.sqlite');
    const size = statSync(database).size;
    const result = await importFile(write('bad.yaml', BAD), dataDir);
    expect(result.code).toBe(1);
    expect(statSync(database).size).toBe(size);
    expect((await exportData(dataDir, 'yaml')).out).toBe(before);
  });

  it('points at the line of a missing key’s parent and of a YAML syntax error', async () => {
    const noName = write(
      'noname.yaml',
      'extensions:\n  - number: "100"\n    password: "12345678"\n',
    );
    expect((await importFile(noName, dataDir)).err).toContain(
      `${noName}:2:5: extensions[0].name: required`,
    );
    const broken = write('broken.yaml', 'extensions:\n  - number: "100"\n   name: x\n');
    const result = await importFile(broken, dataDir);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^${broken}:3:\\d+: syntax: `));
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads JSON with positions', async () => {
    const file = write(
      'bad.json',
      '{\n  "extensions": [\n    { "number": "100", "name": "A", "password": "short" }\n  ]\n}\n',
    );
    const result = await importFile(file, dataDir);
    expect(result.err).toContain(
      `${file}:3:49: extensions[0].password: the password must have at least 8 characters`,
    );
  });

  it('reports an unreadable file', async () => {
    const result = await importFile(join(tmp.dir, 'missing.yaml'), dataDir);
    expect(result.code).toBe(1);
    expect(result.err).toContain('ENOENT');
  });

  it.each(['yaml', 'json'] as const)('round-trips export then import (%s)', async (format) => {
    await importFile(write('good.yaml', GOOD), dataDir);
    const first = await exportData(dataDir, format);
    expect(first.code).toBe(0);
    const otherDir = join(tmp.dir, 'other');
    const reimport = await importFile(write(`export.${format}`, first.out), otherDir);
    expect(reimport.code).toBe(0);
    expect((await exportData(otherDir, format)).out).toBe(first.out);
    expect((await exportData(otherDir, format === 'yaml' ? 'json' : 'yaml')).out).toBe(
      (await exportData(dataDir, format === 'yaml' ? 'json' : 'yaml')).out,
    );
  });

  it('exports readable YAML without defaults', async () => {
    await importFile(write('good.yaml', GOOD), dataDir);
    const { out } = await exportData(dataDir, 'yaml');
    expect(out).toContain('action: { type: extension, target: "100", voicemail: true }');
    expect(out).toContain('inbound:\n      "0442000000": "800"');
    expect(out).not.toContain('ringTimeout');
    expect(out).not.toContain('country');
    expect(readFileSync(join(tmp.dir, 'good.yaml'), 'utf8')).toBe(GOOD);
  });

  it('refuses to export from a data directory without a database, creating nothing', async () => {
    const result = await exportData(dataDir, 'yaml');
    expect(result.code).toBe(1);
    expect(result.err).toContain('no directory');
    expect(existsSync(dataDir)).toBe(false);
  });
});
