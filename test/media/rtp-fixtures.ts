/** Loopback helpers for the media tests: a raw RTP peer on 127.0.0.1 and sessions that clean up. */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { MediaClock } from '../../src/media/media-clock.js';
import { PortAllocator } from '../../src/media/port-allocator.js';
import { decodeRtp, encodeRtp } from '../../src/media/rtp-packet.js';
import type { RtpPacket } from '../../src/media/rtp-packet.js';
import { RtpSession } from '../../src/media/rtp-session.js';
import type { RtpSessionOptions } from '../../src/media/rtp-session.js';

export const LOCALHOST = '127.0.0.1';

export function sdpFor(
  port: number,
  lines: string[] = ['a=rtpmap:101 telephone-event/8000'],
  payloads = '0 8 101',
): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${payloads}`,
    ...lines,
    '',
  ].join('\r\n');
}

/** A UDP socket that speaks raw RTP: what a phone would be. */
export class RawPeer {
  readonly received: { packet: RtpPacket; at: number }[] = [];
  readonly datagrams: Buffer[] = [];
  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (data) => {
      this.datagrams.push(data);
      try {
        this.received.push({ packet: decodeRtp(data), at: performance.now() });
      } catch {
        // RTCP or junk: kept in datagrams only.
      }
    });
  }

  static open(port = 0): Promise<RawPeer> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, LOCALHOST, () => resolve(new RawPeer(socket, socket.address().port)));
    });
  }

  send(data: Uint8Array, port: number): void {
    this.socket.send(data, port, LOCALHOST);
  }

  sendRtp(port: number, packet: Partial<RtpPacket> & { payload: Uint8Array }): void {
    this.send(
      encodeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: 0x1234,
        csrcs: [],
        ...packet,
      }),
      port,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true; fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** A port range, a clock and sessions for one test; `cleanup` closes them and checks leaks. */
export class MediaFixture {
  readonly ports: PortAllocator;
  readonly clock = new MediaClock();
  private readonly sessions: RtpSession[] = [];
  private readonly peers: RawPeer[] = [];

  constructor(base: number) {
    this.ports = new PortAllocator(base, base + 99);
  }

  async session(options: Partial<RtpSessionOptions> = {}): Promise<RtpSession> {
    const session = await RtpSession.open({
      ports: this.ports,
      bindAddress: LOCALHOST,
      advertisedAddress: LOCALHOST,
      ...options,
    });
    this.sessions.push(session);
    return session;
  }

  async peer(): Promise<RawPeer> {
    const peer = await RawPeer.open();
    this.peers.push(peer);
    return peer;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
    await Promise.all(this.peers.map((p) => p.close()));
    this.sessions.length = 0;
    this.peers.length = 0;
  }
}

/** `list[index]` (negative counts from the end), failing the test when it is missing. */
export function at<T>(list: readonly T[], index: number): T {
  const value = list.at(index);
  if (value === undefined) throw new Error(`no element ${index} in a list of ${list.length}`);
  return value;
}
