import { Socket, createSocket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRAME_SAMPLES, encodeG711 } from '../../src/media/g711.js';
import { decodeRtcp, encodeRtp } from '../../src/media/rtp-packet.js';
import type { RtpPacket } from '../../src/media/rtp-packet.js';
import { RtpSessionError } from '../../src/media/rtp-session.js';
import { SdpError } from '../../src/media/sdp.js';
import { encodeTelephoneEvent } from '../../src/media/telephone-event.js';
import { LOCALHOST, MediaFixture, at, delay, sdpFor, waitFor } from './rtp-fixtures.js';

const fx = new MediaFixture(31000);
afterEach(async () => {
  await fx.cleanup();
  expect(fx.ports.inUse).toBe(0);
  expect(fx.clock.running).toBe(false);
});

const frame = (value: number) => encodeG711('PCMU', new Int16Array(FRAME_SAMPLES).fill(value));

describe('RtpSession', () => {
  it('binds an even RTP port with RTCP on the next one, and frees both on close', async () => {
    const session = await fx.session();
    expect(session.port % 2).toBe(0);
    await session.close();
    expect(fx.ports.inUse).toBe(0);
    // Both ports can be bound again: the sockets are really closed.
    for (const port of [session.port, session.port + 1]) {
      const probe = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(port, LOCALHOST, () => resolve());
      });
      await new Promise<void>((r) => probe.close(() => r()));
    }
    await session.close(); // idempotent
  });

  it('never hands out a port twice and skips ports taken by someone else', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(31000, LOCALHOST, () => r()));
    try {
      const sessions = await Promise.all([fx.session(), fx.session(), fx.session()]);
      const ports = sessions.map((s) => s.port);
      expect(new Set(ports).size).toBe(3);
      expect(ports).not.toContain(31000);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('fails clearly when the range is full', async () => {
    const small = new MediaFixture(31200);
    const { PortAllocator } = await import('../../src/media/port-allocator.js');
    const ports = new PortAllocator(31200, 31201);
    try {
      await small.session({ ports });
      await expect(small.session({ ports })).rejects.toThrow(RtpSessionError);
      await expect(small.session({ ports })).rejects.toThrow(
        /no free RTP port pair in 31200-31201/,
      );
    } finally {
      await small.cleanup();
    }
  });

  it('refuses an offer without a common codec and stays usable', async () => {
    const session = await fx.session();
    expect(() => session.answer(sdpFor(4000, ['a=rtpmap:9 G722/8000'], '9'))).toThrow(SdpError);
    expect(session.negotiated).toBeUndefined();
    expect(session.answer(sdpFor(4000))).toContain(`m=audio ${session.port} RTP/AVP 0 101`);
  });

  it('bumps the o= version only when its SDP changes (RFC 3264 §8)', async () => {
    const session = await fx.session();
    const version = (sdp: string) => sdp.match(/^o=\S+ \d+ (\d+)/m)?.[1];
    const first = session.answer(sdpFor(4000));
    expect(version(first)).toBe('0');
    expect(version(session.answer(sdpFor(4000)))).toBe('0');
    expect(
      version(session.answer(sdpFor(4000, [], '0 101').replace('a=', 'a=sendonly\r\na='))),
    ).toBe('1');
  });

  it('sends with a marker on the first packet, timestamps 160 apart, then a new talkspurt after a pause', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port));
    const pcm = new Int16Array(FRAME_SAMPLES);
    for (let tick = 100; tick < 103; tick++) expect(session.sendFrame(pcm, tick)).toBe(true);
    await delay(60);
    session.sendFrame(pcm, 110);
    await waitFor(() => peer.received.length === 4);
    const packets = peer.received
      .map((r) => r.packet)
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber || 0);
    const ordered = peer.received.map((r) => r.packet);
    expect(ordered.map((p) => p.marker)).toEqual([true, false, false, true]);
    expect(ordered.map((p) => p.payloadType)).toEqual([0, 0, 0, 0]);
    expect(at(ordered, 1).timestamp - at(ordered, 0).timestamp).toBe(160);
    expect(at(ordered, 2).timestamp - at(ordered, 1).timestamp).toBe(160);
    // 60 ms or more of pause: at least 3 more frames of time on the timestamp.
    expect((at(ordered, 3).timestamp - at(ordered, 2).timestamp) >>> 0).toBeGreaterThanOrEqual(480);
    expect(new Set(ordered.map((p) => p.ssrc)).size).toBe(1);
    expect(packets).toHaveLength(4);
    for (let i = 1; i < 4; i++) {
      expect((at(ordered, i).sequenceNumber - at(ordered, i - 1).sequenceNumber) & 0xffff).toBe(1);
    }
  });

  it('sends nothing before SDP, on hold, or after close', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    const pcm = new Int16Array(FRAME_SAMPLES);
    expect(session.sendFrame(pcm, 1)).toBe(false);
    session.answer(sdpFor(peer.port, ['a=sendonly']));
    expect(session.negotiated?.direction).toBe('recvonly');
    expect(session.sendFrame(pcm, 2)).toBe(false);
    session.answer(sdpFor(peer.port));
    expect(session.sendFrame(pcm, 3)).toBe(true);
    await session.close();
    expect(session.sendFrame(pcm, 4)).toBe(false);
    await delay(30);
    expect(peer.received).toHaveLength(1);
  });

  it('latches onto the source of received RTP (RFC 4961), not the SDP port', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port + 1000)); // a wrong port, as behind a NAT
    expect(session.remoteTarget).toEqual({ address: LOCALHOST, port: peer.port + 1000 });
    peer.sendRtp(session.port, { sequenceNumber: 1, timestamp: 160, payload: frame(0) });
    await waitFor(() => session.statistics.packetsReceived === 1);
    expect(session.remoteTarget).toEqual({ address: LOCALHOST, port: peer.port });
    session.sendFrame(new Int16Array(FRAME_SAMPLES), 1);
    await waitFor(() => peer.received.length === 1, 2000, 'the packet at the latched address');
  });

  it('facing a peer: its SDP names our address toward it, and only its packets are taken (no RTP hijack)', async () => {
    const bind = (address: string) =>
      new Promise<Socket>((resolve) => {
        const socket = createSocket('udp4');
        socket.bind(0, address, () => resolve(socket));
      });
    // The phone's SIP comes from 127.0.0.5 (its NAT's address); its SDP says 127.0.0.1.
    const phone = await bind('127.0.0.5');
    const intruder = await bind('127.0.0.2');
    const peers: string[] = [];
    const session = await fx.session({
      advertisedAddress: (peer) => {
        peers.push(peer);
        return peer === '127.0.0.5' ? '127.0.0.1' : '192.0.2.99';
      },
    });
    session.face('127.0.0.5');
    const answer = session.answer(sdpFor(40000));
    expect(answer).toContain('c=IN IP4 127.0.0.1');
    expect(peers).toEqual(['127.0.0.5']);
    const rtp = (seq: number) =>
      encodeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: seq,
        timestamp: 160 * seq,
        ssrc: 0x99,
        csrcs: [],
        payload: frame(0),
      });
    try {
      intruder.send(rtp(1), session.port, LOCALHOST);
      await delay(50);
      expect(session.statistics.packetsReceived).toBe(0);
      expect(session.remoteTarget).toEqual({ address: LOCALHOST, port: 40000 });
      phone.send(rtp(2), session.port, LOCALHOST);
      await waitFor(() => session.statistics.packetsReceived === 1);
      expect(session.remoteTarget).toEqual({ address: '127.0.0.5', port: phone.address().port });
    } finally {
      phone.close();
      intruder.close();
    }
  });

  it('ignores packets of payload types never negotiated, and malformed ones, for latching', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port + 1000));
    peer.sendRtp(session.port, { payloadType: 96, payload: frame(0) });
    peer.send(Buffer.from('garbage'), session.port);
    await waitFor(() => session.statistics.malformedReceived === 2);
    expect(session.remoteTarget?.port).toBe(peer.port + 1000);
  });

  it('puts shuffled packets back in order', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port));
    const got: number[] = [];
    session.on('audio', (packet: RtpPacket) => got.push(packet.sequenceNumber));
    const order = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9];
    for (const i of order) {
      peer.sendRtp(session.port, {
        sequenceNumber: 1000 + i,
        timestamp: i * 160,
        payload: frame(i),
      });
    }
    await waitFor(() => got.length === 10);
    expect(got).toEqual(order.map((_, i) => 1000 + i));
  });

  it('releases packets held behind a lost one after the reorder span', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port));
    const got: number[] = [];
    session.on('audio', (packet: RtpPacket) => got.push(packet.sequenceNumber));
    for (const seq of [1, 3])
      peer.sendRtp(session.port, { sequenceNumber: seq, timestamp: seq * 160, payload: frame(0) });
    await waitFor(() => got.length === 2, 1000, 'the flush of the reorder buffer');
    expect(got).toEqual([1, 3]);
  });

  it('ignores comfort noise (RFC 3389) but counts it as activity', async () => {
    const peer = await fx.peer();
    const session = await fx.session({ inactivityMs: 150 });
    session.answer(sdpFor(peer.port));
    let audio = 0;
    let inactive = 0;
    session.on('audio', () => audio++);
    session.on('inactive', () => inactive++);
    for (let i = 0; i < 8; i++) {
      peer.sendRtp(session.port, {
        payloadType: 13,
        sequenceNumber: i,
        payload: Uint8Array.of(40),
      });
      await delay(40);
    }
    expect(audio).toBe(0);
    expect(inactive).toBe(0);
  });

  it('turns RFC 4733 packets into one digit per key press', async () => {
    const peer = await fx.peer();
    const session = await fx.session();
    session.answer(sdpFor(peer.port));
    const digits: string[] = [];
    session.on('dtmf', (d) => digits.push(d));
    let seq = 0;
    const press = (event: number, timestamp: number) => {
      for (const [end, duration] of [
        [false, 160],
        [false, 320],
        [false, 480],
        [true, 640],
        [true, 640],
        [true, 640],
      ] as const) {
        peer.sendRtp(session.port, {
          payloadType: 101,
          marker: duration === 160,
          sequenceNumber: seq++,
          timestamp,
          payload: encodeTelephoneEvent({ event, end, volume: 10, duration }),
        });
      }
    };
    press(5, 8000);
    press(11, 16000);
    press(5, 24000);
    await waitFor(() => digits.length === 3);
    await delay(50);
    expect(digits).toEqual(['5', '#', '5']);
  });

  it('tells a digit signalled out of band (SIP INFO) like one of RFC 4733, while open', async () => {
    const session = await fx.session();
    const digits: string[] = [];
    session.on('dtmf', (d) => digits.push(d));
    session.signalledDigit('7');
    session.signalledDigit('#');
    await session.close();
    session.signalledDigit('1');
    expect(digits).toEqual(['7', '#']);
  });

  it('emits inactive once after the timeout without RTP, and not while RTP flows', async () => {
    const peer = await fx.peer();
    const quiet = await fx.session({ inactivityMs: 100 });
    const busy = await fx.session({ inactivityMs: 100 });
    quiet.answer(sdpFor(peer.port));
    busy.answer(sdpFor(peer.port));
    const events = { quiet: 0, busy: 0 };
    quiet.on('inactive', () => events.quiet++);
    busy.on('inactive', () => events.busy++);
    for (let i = 0; i < 12; i++) {
      peer.sendRtp(busy.port, { sequenceNumber: i, timestamp: i * 160, payload: frame(0) });
      await delay(25);
    }
    expect(events).toEqual({ quiet: 1, busy: 0 });
    await delay(150);
    expect(events).toEqual({ quiet: 1, busy: 1 });
  });

  it('watches again after touch() once the first watch fired', async () => {
    const peer = await fx.peer();
    const session = await fx.session({ inactivityMs: 60 });
    session.answer(sdpFor(peer.port));
    let inactive = 0;
    session.on('inactive', () => inactive++);
    await waitFor(() => inactive === 1);
    session.touch();
    await delay(20);
    expect(inactive).toBe(1);
    await waitFor(() => inactive === 2);
  });

  it('sends RTCP sender reports to port + 1 and a BYE on close', async () => {
    const rtp = await fx.peer();
    const { RawPeer } = await import('./rtp-fixtures.js');
    const rtcp = await RawPeer.open(rtp.port + 1).catch(() => undefined);
    if (!rtcp) throw new Error(`port ${rtp.port + 1} busy: rerun`);
    try {
      const session = await fx.session({ rtcpIntervalMs: 60 });
      session.answer(sdpFor(rtp.port));
      session.sendFrame(new Int16Array(FRAME_SAMPLES), 1);
      await waitFor(() => rtcp.datagrams.length >= 1, 2000, 'an RTCP report');
      const [report] = decodeRtcp(at(rtcp.datagrams, 0));
      expect(report).toMatchObject({
        type: 'sr',
        ssrc: session.ssrc,
        sender: { packetCount: 1, octetCount: 160 },
      });
      const before = rtcp.datagrams.length;
      await session.close();
      await waitFor(() => rtcp.datagrams.length > before);
      const last = decodeRtcp(at(rtcp.datagrams, -1));
      expect(last.at(-1)).toEqual({ type: 'bye', ssrcs: [session.ssrc] });
    } finally {
      await rtcp.close();
    }
  });

  it('an error in its RTCP timer fails the session: failed, then closed, nothing escapes', async () => {
    const rtp = await fx.peer();
    // The send of a report throws, as dgram does for a port out of range.
    const send = Socket.prototype.send;
    const spy = vi.spyOn(Socket.prototype, 'send').mockImplementation(function (
      this: Socket,
      ...args: unknown[]
    ) {
      if (args[1] === rtp.port + 1) throw new RangeError('Port should be > 0 and < 65536');
      return Reflect.apply(send, this, args) as undefined;
    });
    try {
      const session = await fx.session({ rtcpIntervalMs: 40 });
      const failures: unknown[] = [];
      session.on('failed', (error) => failures.push(error));
      let closed = false;
      session.on('close', () => (closed = true));
      session.answer(sdpFor(rtp.port));
      await waitFor(() => closed, 2000, 'the failed session to close');
      expect(failures).toHaveLength(1);
      expect(String(failures[0])).toMatch(/RangeError: Port should be/);
      expect(session.closed).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
