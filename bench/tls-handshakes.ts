/**
 * `npm run bench:tls`: what SIP over TLS costs the PBX. Times the self-signed certificate made at
 * a first start; then, against a SipStack listening for TLS on 127.0.0.1 with that certificate
 * (RSA 2048), the handshake rate one after another and 32 at once (client and server in this one
 * process, so a handshake's two halves share its CPU); then a flood of TCP connections that never
 * start their handshake, during which a phone's OPTIONS over TLS is timed. Bounded in count and
 * time. Needs `npm run build`; docs/benchmarks.md (section 4) records the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { parseArgs } from 'node:util';
import { SipStack, buildReply } from '../src/sip/stack.js';
import { StreamParser } from '../src/sip/message/index.js';
import { loadOrCreateCertificate } from '../src/store/certificate.js';

const { values: opts } = parseArgs({
  options: {
    handshakes: { type: 'string', default: '300' },
    flood: { type: 'string', default: '500' },
  },
});
const handshakes = Number(opts.handshakes);
const flood = Number(opts.flood);

const dir = mkdtempSync(join(tmpdir(), 'renvoi-bench-tls-'));
const made = Date.now();
const certificate = await loadOrCreateCertificate(dir);
console.log(`self-signed certificate made in ${Date.now() - made} ms`);

const stack = new SipStack({ onError: () => undefined });
stack.onRequest((request, tx) => tx?.respond(buildReply(request, 200, 'OK')));
await stack.listen({ host: '127.0.0.1', tls: 0, credentials: certificate });
const port = stack.port('tls') ?? 0;

function handshake(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: [certificate.cert] });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(performance.now() - started);
    });
    socket.once('error', reject);
  });
}

const sequentialStart = performance.now();
const times: number[] = [];
for (let i = 0; i < handshakes; i++) times.push(await handshake());
const sequentialS = (performance.now() - sequentialStart) / 1000;
times.sort((a, b) => a - b);
console.log(
  `${handshakes} handshakes one after another: ${(handshakes / sequentialS).toFixed(0)}/s, ` +
    `median ${times[Math.floor(times.length / 2)]?.toFixed(1)} ms, ` +
    `p99 ${times[Math.floor(times.length * 0.99)]?.toFixed(1)} ms`,
);

const parallelStart = performance.now();
for (let done = 0; done < handshakes; done += 32) {
  await Promise.all(Array.from({ length: Math.min(32, handshakes - done) }, () => handshake()));
}
const parallelS = (performance.now() - parallelStart) / 1000;
console.log(`${handshakes} handshakes 32 at once: ${(handshakes / parallelS).toFixed(0)}/s`);

/** One OPTIONS over a new TLS connection: ms to its 200. */
function options(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: [certificate.cert] });
    const parser = new StreamParser();
    const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
    socket.once('secureConnect', () =>
      socket.write(
        [
          'OPTIONS sip:renvoi@127.0.0.1 SIP/2.0',
          'Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKbench',
          'Max-Forwards: 70',
          'From: <sip:bench@127.0.0.1>;tag=b',
          'To: <sip:renvoi@127.0.0.1>',
          'Call-ID: bench-tls',
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) {
        if (event.type !== 'message') continue;
        clearTimeout(timer);
        socket.destroy();
        resolve(performance.now() - started);
      }
    });
    socket.once('error', reject);
  });
}

const silent: Socket[] = [];
const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`);
for (let i = 0; i < flood; i++) {
  const socket = connectTcp({ host: '127.0.0.1', port, localAddress: addresses[i % 10] });
  socket.on('error', () => undefined);
  silent.push(socket);
}
await new Promise((r) => setTimeout(r, 500));
const closedEarly = silent.filter((s) => s.destroyed).length;
console.log(
  `${flood} silent connections from 10 addresses: ${stack.tlsHandshakes()} handshakes pending, ` +
    `${stack.connectionHoldings().inbound} slots held, ${closedEarly} closed (the oldest pushed out)`,
);
const during = await options();
console.log(
  `a phone's OPTIONS over a new TLS connection meanwhile: 200 in ${during.toFixed(1)} ms`,
);
for (const s of silent) s.destroy();
await stack.close();
rmSync(dir, { recursive: true, force: true });
console.log(`load average ${loadavg()[0]?.toFixed(2)} (2 cores shared)`);
