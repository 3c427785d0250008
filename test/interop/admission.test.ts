/**
 * Issue 14, admission of calls from unknown sources, against real peers: an INVITE scan gets the
 * same answer for real and unknown extensions (raw socket and svwar -m INVITE), and a spoofed
 * From never makes the PBX dial the carrier (a SIPp carrier sees nothing), whether outside SIP
 * calls are refused (the default) or allowed.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTSIDE_CALLERS,
  expectQuiet,
  finalStatus,
  lastCall,
  quietPort,
  runPeer,
  sipp,
  sippUas,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

const EXTENSIONS = [
  { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
  {
    number: '101',
    name: 'Alice Martin',
    password: 'secret-of-101',
    exceptions: [
      // The guide's second example: this caller is sent to an outside number.
      {
        callerId: '06 00 00 00 00',
        action: { type: 'external', number: '04 42 93 06 98', bounce: false },
      },
    ],
  },
];

/**
 * One INVITE from a bare UDP socket, as a scanner sends it; its final response, ACKed
 * (RFC 3261 §17.1.1.3) so that nothing is left on the PBX.
 */
async function scan(port: number, dialled: string, id: number): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const branch = `z9hG4bK-scan-${id}`;
  const callId = `scan-${id}-${Date.now()}@127.0.0.1`;
  const uri = `sip:${dialled === '' ? '' : `${dialled}@`}127.0.0.1:${port}`;
  const head = [
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch}`,
    `From: <sip:0491000000@127.0.0.1>;tag=scan${id}`,
  ];
  const invite = [
    `INVITE ${uri} SIP/2.0`,
    ...head,
    `To: <${uri}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:scanner@127.0.0.1:${local}>`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    const final = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final answer for ${dialled}`)), 5000);
      socket.on('message', (data) => {
        const text = data.toString('utf8');
        if (/^SIP\/2\.0 [2-6]\d\d /.test(text)) {
          clearTimeout(timer);
          resolve(text);
        }
      });
      socket.send(invite, port, '127.0.0.1');
    });
    const to = /^To: (.*)$/im.exec(final)?.[1] ?? '';
    if (!final.startsWith('SIP/2.0 2')) {
      const ack = [
        `ACK ${uri} SIP/2.0`,
        ...head,
        `To: ${to}`,
        `Call-ID: ${callId}`,
        'CSeq: 1 ACK',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(ack, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 50));
    }
    return final;
  } finally {
    socket.close();
  }
}

/** What a scanner can compare: the status line and which headers came, in order. */
function shape(response: string): { status: string; headers: string[] } {
  const [status = '', ...lines] = response.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
  return { status, headers: lines.map((l) => l.split(':')[0]?.toLowerCase() ?? '') };
}

describe('calls from unknown sources, refused by default', () => {
  let t: TestPbx;
  let carrierPort: number;
  beforeAll(async () => {
    carrierPort = await quietPort();
    t = await startCallPbx({
      extensions: EXTENSIONS,
      ringGroups: [{ number: '800', name: 'Accueil', members: ['100'] }],
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: carrierPort }],
    });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('an INVITE scan gets the same answer for real and unknown numbers (raw socket)', async () => {
    // The last one has no user part at all.
    const numbers = ['100', '101', '800', '102', '555', '0491000000', ''];
    const answers = [];
    for (const [i, dialled] of numbers.entries()) answers.push(await scan(t.port, dialled, i));
    const shapes = answers.map(shape);
    expect(shapes[0]?.status).toBe('SIP/2.0 407 Proxy Authentication Required');
    for (const s of shapes) expect(s).toEqual(shapes[0]);
    await expectQuiet(t);
  });

  it('svwar -m INVITE finds no extension among 98-105 although 100 and 101 exist', async () => {
    const r = await runPeer(
      'svwar',
      ['--force', '-e98-105', '-m', 'INVITE', `udp://127.0.0.1:${t.port}`],
      { timeoutMs: 60_000 },
    );
    const output = r.stdout + r.stderr;
    expect(output).not.toMatch(/\|\s*10[01]\s*\|/);
    expect(output).toMatch(/found nothing|no extensions? found/i);
    await expectQuiet(t);
  });

  it('a spoofed From 06 00 00 00 00 is challenged; the SIPp carrier sees nothing', async () => {
    const carrier = sippUas('uas-trunk.xml', carrierPort, ['-timeout', '4s']);
    await carrier.ready;
    const caller = await sipp(t, 'uac-refused.xml', ['-s', '101', '-key', 'caller', '0600000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    expect(finalStatus(caller.messages)).toBe(407);
    const seen = await carrier.done;
    expect(seen.messages).not.toMatch(/INVITE sip:/);
    await expectQuiet(t);
  });
});

describe('outside SIP calls allowed by the admin', () => {
  let t: TestPbx;
  let carrierPort: number;
  beforeAll(async () => {
    carrierPort = await quietPort();
    t = await startCallPbx({
      ...OUTSIDE_CALLERS,
      extensions: EXTENSIONS,
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: carrierPort }],
    });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('a spoofed From 06 00 00 00 00 fires the exception, but the SIPp carrier sees nothing', async () => {
    const carrier = sippUas('uas-trunk.xml', carrierPort, ['-timeout', '4s']);
    await carrier.ready;
    // Voicemail answers instead of the forward to the outside number.
    const caller = await sipp(t, 'uac.xml', ['-s', '101', '-key', 'caller', '0600000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const seen = await carrier.done;
    expect(seen.messages).not.toMatch(/INVITE sip:/);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call).toMatchObject({ exception: 0, outcome: 'voicemail' });
    expect(call.plan.some((step) => step.do === 'dial')).toBe(false);
    expect(call.trace).toContainEqual({
      code: 'outside-no-dial',
      extension: '101',
      number: '+33442930698',
    });
  });
});
