/**
 * The far end of the media benchmark, in its own process (so its work does not count against the
 * PBX's core and its clock is independent): UDP sockets on 127.0.0.1 that stamp every RTP packet's
 * arrival, and optionally send a 20 ms PCMU stream each. Driven by the parent over IPC; see
 * bench/media-load.ts.
 *
 * Only RTP PCMU packets count (the PBX's RTCP reports can land on a peer socket whose port is one
 * above another's). Each packet the peer sends carries, in its first 8 payload octets, the index
 * of the sending socket and the frame number, which the PBX relays unchanged: the receiving socket
 * can tell which frames of which sender arrived, once or more, and how long each took.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

export type PeerCommand =
  | { cmd: 'open'; count: number }
  | { cmd: 'send'; targets: number[]; seconds: number }
  | { cmd: 'count' }
  | { cmd: 'report' }
  | { cmd: 'close' };

export interface StreamReport {
  /** RTP PCMU packets received. */
  readonly packets: number;
  /** |inter-arrival − 20 ms| in ms, percentiles over the stream. */
  readonly p50: number;
  readonly p99: number;
  /** Relay only: distinct frames of the sending socket received, and duplicates. */
  readonly frames: number;
  readonly duplicates: number;
  /** Relay only: send-to-arrival time of the frames, ms. */
  readonly latencyP50: number;
  readonly latencyP99: number;
  readonly latencyMax: number;
}

export type PeerReply =
  | { reply: 'opened'; ports: number[] }
  | { reply: 'sent'; perSocket: number }
  | { reply: 'count'; packets: number }
  | { reply: 'report'; streams: StreamReport[] }
  | { reply: 'ok' };

interface Stream {
  readonly socket: Socket;
  arrivals: number[];
  latencies: number[];
  /** Relay: frames of the sender seen, one flag per frame number. */
  seen: Uint8Array;
  duplicates: number;
  /** When each frame of this socket's own stream was handed to the kernel (relay). */
  sentAt: Float64Array;
}

const streams: Stream[] = [];
let received = 0;
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
    const gapMs = (stream.arrivals[i] as number) - (stream.arrivals[i - 1] as number);
    deviations.push(Math.abs(gapMs - 20));
  }
  deviations.sort((a, b) => a - b);
  const latencies = [...stream.latencies].sort((a, b) => a - b);
  return {
    packets: stream.arrivals.length,
    p50: percentile(deviations, 0.5),
    p99: percentile(deviations, 0.99),
    frames: stream.seen.reduce((n, v) => n + v, 0),
    duplicates: stream.duplicates,
    latencyP50: percentile(latencies, 0.5),
    latencyP99: percentile(latencies, 0.99),
    latencyMax: latencies.at(-1) ?? NaN,
  };
}

function onMessage(stream: Stream, data: Buffer): void {
  const now = performance.now();
  // RTP version 2, payload type 0 (PCMU): anything else is RTCP or noise.
  if (data.length < 12 || (data[0] as number) >> 6 !== 2 || ((data[1] as number) & 0x7f) !== 0)
    return;
  stream.arrivals.push(now);
  received++;
  if (data.length < 20) return;
  const source = streams[data.readUInt32BE(12)];
  const frame = data.readUInt32BE(16);
  if (!source || frame >= stream.seen.length) return;
  if (stream.seen[frame]) {
    stream.duplicates++;
    return;
  }
  stream.seen[frame] = 1;
  stream.latencies.push(now - (source.sentAt[frame] as number));
}

async function open(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = createSocket({
      type: 'udp4',
      recvBufferSize: 1 << 20,
      // Every target is 127.0.0.1: no resolver round (dgram would defer each send by a tick).
      lookup: (hostname, _options, callback) => callback(null, hostname, 4),
    });
    const stream: Stream = {
      socket,
      arrivals: [],
      latencies: [],
      seen: new Uint8Array(0),
      duplicates: 0,
      sentAt: new Float64Array(0),
    };
    socket.on('message', (data) => onMessage(stream, data));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    streams.push(stream);
    ports.push(socket.address().port);
  }
  return ports;
}

/**
 * Every socket sends one PCMU packet to its target every 20 ms, on absolute deadlines, each socket
 * at its own phase within the period (as calls that started at different times do): socket i
 * sends frame f at start + 20 f + 20 i / n ms. The loop wakes every millisecond and sends what is
 * due.
 */
async function sendAll(targets: number[], seconds: number): Promise<number> {
  const frames = Math.round((seconds * 1000) / 20);
  const n = targets.length;
  for (const stream of streams) {
    stream.seen = new Uint8Array(frames);
    stream.sentAt = new Float64Array(frames);
  }
  const start = performance.now();
  // Packets sent so far, in the order they fall due: packet k is frame ⌊k / n⌋ of socket k mod n.
  let k = 0;
  const total = frames * n;
  while (k < total) {
    const now = performance.now();
    for (; k < total; k++) {
      const f = Math.floor(k / n);
      const i = k % n;
      if (start + 20 * f + (20 * i) / n > now) break;
      const stream = streams[i] as Stream;
      // A fresh buffer per packet: a send the kernel cannot take at once is queued by reference.
      const packet = Buffer.alloc(12 + 160, 0xff);
      packet[0] = 0x80;
      packet[1] = 0; // PCMU, no marker
      packet.writeUInt16BE(f & 0xffff, 2);
      packet.writeUInt32BE(f * 160, 4);
      packet.writeUInt32BE(i + 1, 8);
      packet.writeUInt32BE(i, 12);
      packet.writeUInt32BE(f, 16);
      stream.sentAt[f] = performance.now();
      stream.socket.send(packet, targets[i] as number, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 1));
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
      case 'count':
        send({ reply: 'count', packets: received });
        break;
      case 'report':
        send({ reply: 'report', streams: streams.map(report) });
        break;
      case 'close':
        await Promise.all(streams.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
        streams.length = 0;
        send({ reply: 'ok' });
        process.exit(0);
    }
  })();
});
