/**
 * What the PBX writes for a peer it reaches on loopback (a carrier played by a raw UDP socket,
 * which the PBX registers to): with defaults, the address the kernel reaches it from; behind a
 * NAT with forwarded ports (`--public-address`), the public address for a peer outside
 * `--local-nets`. And the flags' mistakes, refused before anything starts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { eventually, startTestPbx, udpPeer } from '../interop/harness.js';
import type { TestPbx } from '../interop/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The first REGISTER a PBX started with `options` sends its trunk, as text. */
async function firstRegister(
  options: Parameters<typeof startTestPbx>[5] = {},
): Promise<{ text: string; t: TestPbx }> {
  const carrier = await udpPeer();
  cleanups.push(() => carrier.close());
  const directory = {
    extensions: [{ number: '100', name: 'Secrétariat', password: 'secret-of-100' }],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: carrier.port,
        username: 'renvoi-trunk',
        password: 'carrier-secret',
      },
    ],
  };
  const t = await startTestPbx(directory, undefined, undefined, undefined, '0.0.0.0', options);
  cleanups.push(() => t.remove());
  const registers = () => carrier.received.filter((d) => d.text.startsWith('REGISTER '));
  await eventually(() => registers().length >= 1, 'the REGISTER');
  return { text: registers()[0]?.text ?? '', t };
}

describe('the address the PBX writes', () => {
  it('with defaults: the one the kernel reaches the peer from, in Via and Contact', async () => {
    const { text, t } = await firstRegister();
    expect(text).toMatch(new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${t.port};`, 'm'));
    expect(text).toMatch(new RegExp(`^Contact: <sip:renvoi-trunk@127\\.0\\.0\\.1:${t.port}>`, 'm'));
  });

  it('behind a NAT: the public address for a peer outside the local networks', async () => {
    const { text, t } = await firstRegister({
      publicAddress: '203.0.113.7',
      localNets: ['10.0.0.0/8'],
    });
    expect(text).toMatch(new RegExp(`^Via: SIP/2\\.0/UDP 203\\.0\\.113\\.7:${t.port};`, 'm'));
    expect(text).toMatch(
      new RegExp(`^Contact: <sip:renvoi-trunk@203\\.0\\.113\\.7:${t.port}>`, 'm'),
    );
  });

  it('behind a NAT: our own address for a peer on a local network (loopback is, by default)', async () => {
    const { text, t } = await firstRegister({ publicAddress: '203.0.113.7' });
    expect(text).toMatch(new RegExp(`^Contact: <sip:renvoi-trunk@127\\.0\\.0\\.1:${t.port}>`, 'm'));
  });
});

describe('renvoi start: the address flags', () => {
  async function start(args: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    const code = await main(['start', '--data', '/nonexistent-renvoi', ...args], {
      out: () => undefined,
      err: (s) => (err += s),
      env: {},
    });
    return { code, err };
  }

  it('refuses what is not an address, a CIDR block, or both names of one flag', async () => {
    expect(await start(['--bind', 'everywhere'])).toEqual({
      code: 2,
      err: 'renvoi start: --bind takes an IP address (0.0.0.0 for all), not "everywhere"',
    });
    expect(await start(['--bind', '0.0.0.0', '--host', '127.0.0.1'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--host is the older name of --bind'),
    });
    expect(await start(['--local-nets', '10.0.0.0/8,192.168.1.0/33'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('not "192.168.1.0/33"'),
    });
    expect(await start(['--public-address', 'a b'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--public-address takes an address or a host name'),
    });
  });
});
