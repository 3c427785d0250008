/**
 * The far end of the media benchmark, in its own process (so its work does not count against the
 * PBX's core and its clock is independent): UDP sockets on 127.0.0.1 that stamp every RTP packet's
 * arrival with `process.hrtime.bigint()`, and optionally send a 20 ms G.711 stream each.
 * Driven by the parent over IPC; see bench/media-load.ts.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

export type PeerCommand =
  | { cmd: 'open'; count: number }
  | { cmd: 'send'; targets: number[]; seconds: number }
  | { cmd: 'report' }
  | { cmd: 'reset' }
  | { cmd: 'close' };

export interface StreamReport {
  readonly packets: number;
  /** |inter-arrival − 20 ms| in ms, percentiles over the stream. */
  readonly p50: number;
  readonly p99: number;
  readonly sent: number;
}

export type PeerReply =
  | { reply: 'opened'; ports: number[] }
  | { reply: 'sent'; perSocket: number }
  | { reply: 'report'; streams: StreamReport[] }
  | { reply: 'ok' };

interface Stream {
  socket: Socket;
  arrivals: bigint[];
  sent: number;
}

const streams: Stream[] = [];
const send = (reply: PeerReply): void => {
  process.send?.(reply);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function report(stream: Stream): StreamReport {
  const deviations: number[] = [];
  for (let i = 1; i < stream.arrivals.length; i++) {
    const gapMs = Number((stream.arrivals[i] as bigint) - (stream.arrivals[i - 1] as bigint)) / 1e6;
    deviations.push(Math.abs(gapMs - 20));
  }
  deviations.sort((a, b) => a - b);
  return {
    packets: stream.arrivals.length,
    p50: percentile(deviations, 0.5),
    p99: percentile(deviations, 0.99),
    sent: stream.sent,
  };
}

async function open(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    const stream: Stream = { socket, arrivals: [], sent: 0 };
    socket.on('message', () => stream.arrivals.push(process.hrtime.bigint()));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    streams.push(stream);
    ports.push(socket.address().port);
  }
  return ports;
}

/** Every socket sends one PCMU packet to its target every 20 ms, on absolute deadlines. */
async function sendAll(targets: number[], seconds: number): Promise<number> {
  const frames = Math.round((seconds * 1000) / 20);
  const packet = Buffer.alloc(12 + 160, 0xff);
  packet[0] = 0x80;
  packet[1] = 0; // PCMU, no marker
  const start = process.hrtime.bigint();
  for (let f = 0; f < frames; f++) {
    const due = start + BigInt(f) * 20_000_000n;
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    packet.writeUInt16BE(f & 0xffff, 2);
    packet.writeUInt32BE(f * 160, 4);
    targets.forEach((port, i) => {
      const stream = streams[i] as Stream;
      packet.writeUInt32BE(i + 1, 8);
      stream.socket.send(packet, port, '127.0.0.1');
      stream.sent++;
    });
  }
  return frames;
}

process.on('message', (message: PeerCommand) => {
  void (async () => {
    switch (message.cmd) {
      case 'open':
        send({ reply: 'opened', ports: await open(message.count) });
        break;
      case 'send':
        send({ reply: 'sent', perSocket: await sendAll(message.targets, message.seconds) });
        break;
      case 'report':
        send({ reply: 'report', streams: streams.map(report) });
        break;
      case 'reset':
        for (const s of streams) {
          s.arrivals = [];
          s.sent = 0;
        }
        send({ reply: 'ok' });
        break;
      case 'close':
        await Promise.all(streams.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
        streams.length = 0;
        send({ reply: 'ok' });
        process.exit(0);
    }
  })();
});
