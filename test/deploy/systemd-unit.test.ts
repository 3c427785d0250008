/**
 * deploy/renvoi.service as systemd reads it: `systemd-analyze verify` finds nothing to say, the
 * offline security review rates it well confined, and the options the unit's comments promise are
 * there (and MemoryDenyWriteExecute, which V8's JIT cannot live with, is not).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const UNIT = join(import.meta.dirname, '..', '..', 'deploy', 'renvoi.service');
const text = readFileSync(UNIT, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'renvoi-unit-'));

function analyze(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('systemd-analyze', args, {
    cwd: work,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error !== undefined) {
    throw new Error(`systemd-analyze (Debian package systemd) is needed: ${result.error.message}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The unit's settings as `key=value` lines of its [Service] section. */
function serviceSettings(unit: string): string[] {
  const section = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  return section
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('deploy/renvoi.service', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('passes systemd-analyze verify without a warning', () => {
    const result = analyze(['verify', UNIT]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.trim()).toBe('');
  });

  it('would be caught by the check with a misspelt option (the check can fail)', () => {
    const broken = join(work, 'renvoi.service');
    writeFileSync(broken, text.replace('ProtectSystem=strict', 'ProtectSystem=stric'));
    expect(analyze(['verify', broken]).stderr).toContain('stric');
  });

  it('is rated well confined by the offline security review', () => {
    const result = analyze(['security', '--offline=yes', '--no-pager', UNIT]);
    const level = /Overall exposure level for renvoi\.service: ([\d.]+)/.exec(result.stdout);
    expect(level, result.stdout + result.stderr).not.toBeNull();
    // 0 is a service that can do nothing, 10 an unconfined one; systemd calls below 2 "OK".
    expect(Number(level?.[1])).toBeLessThanOrEqual(1.5);
  });

  it('confines the service as its comments say, and leaves V8 its W+X pages', () => {
    const settings = serviceSettings(text);
    for (const expected of [
      'User=renvoi',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'NoNewPrivileges=yes',
      'ReadWritePaths=/var/lib/renvoi',
      'CapabilityBoundingSet=',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX',
      'SystemCallFilter=@system-service',
    ]) {
      expect(settings).toContain(expected);
    }
    expect(settings.filter((s) => s.startsWith('MemoryDenyWriteExecute'))).toEqual([]);
  });
});
