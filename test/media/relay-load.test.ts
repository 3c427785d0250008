/**
 * Many relayed calls at once on 127.0.0.1, the way the benchmark drives them (bench/media-load.ts),
 * at a size any machine handles: every frame sent into one leg comes out of the other leg, once,
 * in order, with its payload intact. No timing is asserted; the wait for the last packets is only
 * a bound.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/media/bridge.js';
import { MediaLayer } from '../../src/media/media-layer.js';
import { decodeRtp, encodeRtp } from '../../src/media/rtp-packet.js';
import type { RtpSession } from '../../src/media/rtp-session.js';
import { LOCALHOST, delay, sdpFor, waitFor } from './rtp-fixtures.js';

const CALLS = 40;
const FRAMES = 25;

interface Phone {
  readonly socket: Socket;
  readonly port: number;
  /** Frame numbers received, in arrival order, with the index of the phone that sent each. */
  readonly frames: { from: number; frame: number; sequence: number }[];
}

async function phone(): Promise<Phone> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOCALHOST, () => resolve()));
  const p: Phone = { socket, port: socket.address().port, frames: [] };
  socket.on('message', (data) => {
    let packet;
    try {
      packet = decodeRtp(data);
    } catch {
      return; // the PBX's RTCP, when it lands here
    }
    const view = Buffer.from(packet.payload);
    p.frames.push({
      from: view.readUInt32BE(0),
      frame: view.readUInt32BE(4),
      sequence: packet.sequenceNumber,
    });
  });
  return p;
}

let media: MediaLayer | undefined;
const phones: Phone[] = [];
afterEach(async () => {
  await media?.close();
  expect(media?.openSessions).toBe(0);
  media = undefined;
  await Promise.all(phones.map((p) => new Promise<void>((r) => p.socket.close(() => r()))));
  phones.length = 0;
});

describe('relaying many calls at once', () => {
  it(`relays every frame of ${CALLS} calls in both directions, once and in order`, async () => {
    media = new MediaLayer({
      bindAddress: LOCALHOST,
      advertisedAddress: LOCALHOST,
      portMin: 34000,
      portMax: 34000 + 4 * CALLS + 9,
    });
    // Phones 0..CALLS-1 call, CALLS..2·CALLS-1 answer; phone i talks to session i.
    const sessions: RtpSession[] = [];
    for (let i = 0; i < 2 * CALLS; i++) {
      const p = await phone();
      phones.push(p);
      const session = await media.openSession();
      session.answer(sdpFor(p.port));
      sessions.push(session);
    }
    const bridges: Bridge[] = [];
    for (let i = 0; i < CALLS; i++) {
      bridges.push(media.bridge(sessions[i] as RtpSession, sessions[CALLS + i] as RtpSession));
    }

    for (let frame = 0; frame < FRAMES; frame++) {
      phones.forEach((p, i) => {
        const payload = Buffer.alloc(160, 0xff);
        payload.writeUInt32BE(i, 0);
        payload.writeUInt32BE(frame, 4);
        const packet = encodeRtp({
          marker: frame === 0,
          payloadType: 0,
          sequenceNumber: (1000 * i + frame) & 0xffff,
          timestamp: 160 * frame,
          ssrc: 0x10000 + i,
          csrcs: [],
          payload,
        });
        p.socket.send(packet, (sessions[i] as RtpSession).port, LOCALHOST);
      });
      await delay(20);
    }
    const total = (): number => phones.reduce((n, p) => n + p.frames.length, 0);
    await waitFor(() => total() >= 2 * CALLS * FRAMES, 20_000, 'every relayed frame');

    phones.forEach((p, i) => {
      const partner = i < CALLS ? i + CALLS : i - CALLS;
      expect(p.frames.map((f) => f.from)).toEqual(Array(FRAMES).fill(partner));
      expect(p.frames.map((f) => f.frame)).toEqual(Array.from({ length: FRAMES }, (_, k) => k));
      // The PBX numbers its own packets (RFC 3550 §5.1): consecutive, whatever the source used.
      const first = p.frames[0]?.sequence as number;
      expect(p.frames.map((f) => f.sequence)).toEqual(
        Array.from({ length: FRAMES }, (_, k) => (first + k) & 0xffff),
      );
    });
    for (const bridge of bridges) {
      expect(bridge.stats.aToB).toMatchObject({ relayed: FRAMES, dropped: 0 });
      expect(bridge.stats.bToA).toMatchObject({ relayed: FRAMES, dropped: 0 });
    }
    for (const session of sessions) {
      expect(session.statistics).toMatchObject({ packetsReceived: FRAMES, packetsSent: FRAMES });
    }
  });
});
