import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPeer, sipp, startTestPbx, eventually, isQuiet } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
  ],
};

describe('registrar, against SIPp, sipsak and svwar', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startTestPbx(DIRECTORY);
  });
  afterAll(async () => {
    await t.remove();
  });

  it('registers an extension with digest authentication (SIPp)', async () => {
    const r = await sipp(t, 'register.xml', ['-s', '101', '-au', '101', '-ap', 'secret-of-101']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const [binding, ...others] = t.pbx.registrar.contactsOf('101');
    expect(others).toEqual([]);
    expect(binding?.contact).toBe(`sip:101@127.0.0.1:${r.localPort};transport=UDP`);
    expect(binding?.source).toEqual({ protocol: 'udp', address: '127.0.0.1', port: r.localPort });
    await eventually(() => isQuiet(t.pbx), 'no transaction left');
  });

  it('gives a wrong password and an unknown extension the same 403', async () => {
    const wrong = await sipp(t, 'register-refused.xml', ['-s', '100', '-au', '100', '-ap', 'nope']);
    expect(wrong.code, wrong.stderr + wrong.stdout).toBe(0);
    const unknown = await sipp(t, 'register-refused.xml', [
      '-s',
      '109',
      '-au',
      '109',
      '-ap',
      'nope',
    ]);
    expect(unknown.code, unknown.stderr + unknown.stdout).toBe(0);
    expect(t.pbx.registrar.contactsOf('100')).toEqual([]);
  });

  it('does not let an extension register as another one', async () => {
    const r = await sipp(t, 'register-refused.xml', [
      '-s',
      '100',
      '-au',
      '101',
      '-ap',
      'secret-of-101',
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(t.pbx.registrar.contactsOf('100')).toEqual([]);
  });

  it('answers OPTIONS (sipsak)', async () => {
    const r = await runPeer('sipsak', ['-vv', '-s', `sip:100@127.0.0.1:${t.port}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('200 OK');
    expect(r.stdout).toMatch(/Allow: .*REGISTER/);
  });
});

describe('extensions cannot be listed (svwar)', () => {
  it('finds no extension among 100-110 although 100 and 101 exist', async () => {
    const t = await startTestPbx(DIRECTORY);
    try {
      const r = await runPeer(
        'svwar',
        ['--force', '-e100-110', '-m', 'REGISTER', `udp://127.0.0.1:${t.port}`],
        {
          timeoutMs: 60_000,
        },
      );
      const output = r.stdout + r.stderr;
      expect(output).not.toMatch(/\|\s*10[01]\s*\|/);
      expect(output).toMatch(/found nothing|no extensions? found/i);
    } finally {
      await t.remove();
    }
  });
});

describe('bindings survive a restart', () => {
  it('keeps a registration across stop and start on the same data directory', async () => {
    const first = await startTestPbx(DIRECTORY);
    const r = await sipp(first, 'register.xml', [
      '-s',
      '100',
      '-au',
      '100',
      '-ap',
      'secret-of-100',
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    await first.stop();
    const second = await startTestPbx(null, first.dataDir);
    try {
      expect(second.pbx.registrar.contactsOf('100').map((b) => b.contact)).toEqual([
        `sip:100@127.0.0.1:${r.localPort};transport=UDP`,
      ]);
    } finally {
      await second.remove();
    }
  });
});

describe('repeated authentication failures', () => {
  it('stops answering an address after ten failures', async () => {
    const t = await startTestPbx(DIRECTORY);
    try {
      for (let i = 0; i < 10; i++) {
        const r = await sipp(t, 'register-refused.xml', [
          '-s',
          '100',
          '-au',
          '100',
          '-ap',
          `bad-${i}`,
        ]);
        expect(r.code, r.stderr + r.stdout).toBe(0);
      }
      const blocked = await sipp(t, 'register.xml', [
        '-s',
        '100',
        '-au',
        '100',
        '-ap',
        'secret-of-100',
        '-timeout',
        '3s',
      ]);
      expect(blocked.code).not.toBe(0);
      expect(t.pbx.registrar.contactsOf('100')).toEqual([]);
      // Issue 14: the address is shared (an office NAT); the other phones behind it go on.
      const neighbour = await sipp(t, 'register.xml', [
        '-s',
        '101',
        '-au',
        '101',
        '-ap',
        'secret-of-101',
      ]);
      expect(neighbour.code, neighbour.stderr + neighbour.stdout).toBe(0);
      expect(t.pbx.registrar.contactsOf('101')).toHaveLength(1);
    } finally {
      await t.remove();
    }
  });

  it('stops svcrack before it finds a password, while another user of that address registers', async () => {
    const t = await startTestPbx({
      extensions: [
        ...DIRECTORY.extensions,
        { number: '102', name: 'Guessable', password: '12345678' },
      ],
    });
    try {
      const crack = await runPeer(
        'svcrack',
        ['-u102', '-r12345600-12345699', '-p', String(t.port), '127.0.0.1'],
        { timeoutMs: 60_000 },
      );
      const output = crack.stdout + crack.stderr;
      expect(output).not.toContain('12345678');
      expect(output).not.toMatch(/\|\s*102\s*\|/);
      const neighbour = await sipp(t, 'register.xml', [
        '-s',
        '101',
        '-au',
        '101',
        '-ap',
        'secret-of-101',
      ]);
      expect(neighbour.code, neighbour.stderr + neighbour.stdout).toBe(0);
    } finally {
      await t.remove();
    }
  });
});
