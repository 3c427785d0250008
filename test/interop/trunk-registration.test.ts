import { describe, expect, it } from 'vitest';
import { eventually, freePort, sippUas, startTestPbx, udpPeer } from './harness.js';

function directory(carrierPort: number, password: string) {
  return {
    extensions: [{ number: '100', name: 'Secrétariat', password: 'secret-of-100' }],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: carrierPort,
        username: 'renvoi-trunk',
        password,
      },
    ],
  };
}

describe('a registering trunk, against a SIPp carrier registrar', () => {
  it('registers with digest and keeps the time the carrier grants', async () => {
    const carrierPort = await freePort();
    const carrier = sippUas('carrier-registrar.xml', carrierPort);
    const t = await startTestPbx(directory(carrierPort, 'carrier-secret'));
    try {
      const result = await carrier.done;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await eventually(() => t.pbx.trunkStates().carrier === 'registered', 'the trunk to register');
    } finally {
      carrier.stop();
      await t.remove();
    }
  });

  it('reports a refused password as failed, without retrying in a loop', async () => {
    const carrierPort = await freePort();
    const carrier = sippUas('carrier-registrar.xml', carrierPort);
    const t = await startTestPbx(directory(carrierPort, 'wrong-secret'));
    try {
      await eventually(() => t.pbx.trunkStates().carrier === 'failed', 'the registration to fail');
      const result = await carrier.done;
      // The carrier saw one challenge and one wrong answer, then nothing more.
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/Unexpected-Msg.*[1-9]/);
    } finally {
      carrier.stop();
      await t.remove();
    }
  });

  it('takes a grant longer than asked as the time asked: one REGISTER, not a loop', async () => {
    // A carrier that grants 2**32-1 s, the most RFC 3261 allows.
    const carrier = await udpPeer();
    const t = await startTestPbx(directory(carrier.port, 'carrier-secret'));
    try {
      const registers = () => carrier.received.filter((d) => d.text.startsWith('REGISTER '));
      await eventually(() => registers().length >= 1, 'the first REGISTER');
      const request = registers()[0]?.text ?? '';
      const lines = request.split('\r\n');
      const copied = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
      const contact = lines.find((l) => /^Contact:/i.test(l)) ?? '';
      carrier.send(
        [
          'SIP/2.0 200 OK',
          ...copied,
          `${contact};expires=4294967295`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        registers()[0]?.from ?? { address: '127.0.0.1', port: t.port, family: 'IPv4', size: 0 },
      );
      await eventually(() => t.pbx.trunkStates().carrier === 'registered', 'the trunk to register');
      await new Promise((r) => setTimeout(r, 1000));
      // Retransmissions of the first (Timer E) aside: no second REGISTER.
      const cseqs = new Set(registers().map((d) => /^CSeq: (\d+)/m.exec(d.text)?.[1]));
      expect(cseqs.size).toBe(1);
    } finally {
      await t.remove();
      await carrier.close();
    }
  });
});
