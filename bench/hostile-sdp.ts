/**
 * `npm run bench:hostile`: issue 14's hostile SDP (points 1 and 8) as a flood. A raw UDP socket
 * sends unauthenticated INVITEs to a voicemail — `m=audio 65535`, `m=audio 70000`,
 * `a=rtcp:65536`, `c=IN IP4 some.name.invalid`, in turn, never ACKed — at `--rate` per second for
 * `--seconds`, while SIPp places legitimate calls to the same voicemail (`uac.xml`: INVITE, 200,
 * ACK, BYE) at `--calls` per second. Then it waits out the RTCP timer's longest interval (7.5 s)
 * and places one more call.
 *
 * Prints how the attacks were answered, the legitimate calls' success during and after, and
 * whether `renvoi start` is still running. Everything on 127.0.0.1, bounded in count and time.
 * Needs `npm run build` and sipp; docs/benchmarks.md (section 4) records the figures.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ROOT, count, freePort, sipp, startRenvoi } from './sip/processes.js';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    calls: { type: 'string', default: '5' },
  },
});
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const callRate = Number(opts.calls);

const ATTACKS = [
  { name: 'm=audio 65535', connection: '127.0.0.1', lines: ['m=audio 65535 RTP/AVP 0'] },
  { name: 'm=audio 70000', connection: '127.0.0.1', lines: ['m=audio 70000 RTP/AVP 0'] },
  {
    name: 'a=rtcp:65536',
    connection: '127.0.0.1',
    lines: ['m=audio 40000 RTP/AVP 0', 'a=rtcp:65536'],
  },
  {
    name: 'c=some.name.invalid',
    connection: 'some.name.invalid',
    lines: ['m=audio 40000 RTP/AVP 0'],
  },
];

function invite(pbxPort: number, fromPort: number, attack: (typeof ATTACKS)[number], n: number) {
  const sdp = [
    'v=0',
    'o=x 1 1 IN IP4 127.0.0.1',
    's=-',
    `c=IN IP4 ${attack.connection}`,
    't=0 0',
    ...attack.lines,
    '',
  ].join('\r\n');
  return [
    `INVITE sip:101@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${fromPort};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:0491000000@127.0.0.1:${fromPort}>;tag=a${n}`,
    `To: <sip:101@127.0.0.1:${pbxPort}>`,
    `Call-ID: hostile-${n}-${ATTACKS.indexOf(attack)}@bench`,
    'CSeq: 1 INVITE',
    `Contact: <sip:x@127.0.0.1:${fromPort}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'renvoi-hostile-'));
  const dataDir = join(work, 'data');
  const document = join(work, 'directory.yaml');
  writeFileSync(
    document,
    "extensions:\n  - number: '101'\n    name: Alice\n    password: secret-of-101\n",
  );
  execFileSync(process.execPath, [
    join(ROOT, 'bin', 'renvoi.js'),
    'import',
    document,
    '--data',
    dataDir,
  ]);
  const port = await freePort();
  const load = loadavg()[0] ?? 0;
  const pbx = await startRenvoi({ dataDir, port, work, env: { RENVOI_RTP_PORTS: '32000-32999' } });
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const fromPort = socket.address().port;
  /** Per attack: final status → count (first final response of each INVITE only). */
  const answers = ATTACKS.map(() => new Map<string, number>());
  const finals = new Set<string>();
  socket.on('message', (message) => {
    const text = message.toString('latin1');
    const status = /^SIP\/2\.0 ([2-6]\d\d) /.exec(text)?.[1];
    const id = /^Call-ID: (hostile-\d+-(\d)@bench)/m.exec(text);
    if (status === undefined || id === null || finals.has(id[1] as string)) return;
    finals.add(id[1] as string);
    const tally = answers[Number(id[2])] as Map<string, number>;
    const warning = /^Warning: (\d{3})/m.exec(text)?.[1];
    const key = warning === undefined ? status : `${status} (Warning ${warning})`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  });

  const scenario = join(ROOT, 'test', 'interop', 'scenarios', 'uac.xml');
  const legitimate = (calls: number, callsPerSecond: number) =>
    sipp(
      [
        `127.0.0.1:${port}`,
        '-sf',
        scenario,
        '-s',
        '101',
        '-key',
        'caller',
        '0491000001',
        '-i',
        '127.0.0.1',
        '-p',
        '0',
        '-r',
        String(callsPerSecond),
        '-m',
        String(calls),
        '-mp',
        '33000',
        '-timeout',
        `${seconds + 30}s`,
      ],
      work,
      (seconds + 40) * 1000,
    );
  const during = legitimate(Math.max(1, Math.round(callRate * seconds)), callRate);
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const attack = ATTACKS[sent % ATTACKS.length] as (typeof ATTACKS)[number];
      socket.send(invite(port, fromPort, attack, sent), port, '127.0.0.1');
    }
    await sleep(5);
  }
  const duringResult = await during.done;
  await sleep(7600);
  const upAfterWait = alive(pbx.pid);
  const afterResult = await legitimate(1, 1).done;
  const up = alive(pbx.pid);
  socket.close();
  await pbx.stop();
  rmSync(work, { recursive: true, force: true });

  console.log(
    `\n${sent} hostile INVITEs in ${seconds} s (${rate}/s), load ${load.toFixed(2)} at the start\n`,
  );
  console.log('| attack | sent | answered | answers |');
  console.log('| --- | ---: | ---: | --- |');
  ATTACKS.forEach((attack, i) => {
    const tally = answers[i] as Map<string, number>;
    const answered = [...tally.values()].reduce((a, b) => a + b, 0);
    const list = [...tally].map(([k, v]) => `${k}: ${v}`).join(', ');
    const mine = Math.floor(sent / ATTACKS.length) + (i < sent % ATTACKS.length ? 1 : 0);
    console.log(`| \`${attack.name}\` | ${mine} | ${answered} | ${list} |`);
  });
  const ok = (r: Awaited<typeof duringResult>) =>
    `${count(r.stats, 'SuccessfulCall(C)')}/${count(r.stats, 'SuccessfulCall(C)') + count(r.stats, 'FailedCall(C)')}`;
  console.log(
    `\nlegitimate calls during: ${ok(duringResult)}; after 7.6 s more: ${ok(afterResult)}`,
  );
  console.log(`renvoi start still running: after the wait ${upAfterWait}, at the end ${up}`);
}

await main();
