/**
 * RTP reception in the metrics: a raw RTP peer on loopback sends to a media layer's session with
 * packets missing, and when the session closes its received and lost packets and its jitter are
 * counted under the class of peer it faced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaLayer } from '../../src/media/media-layer.js';
import { PbxMetrics, countReception } from '../../src/pbx/metrics.js';
import { RawPeer, sdpFor, waitFor } from '../media/rtp-fixtures.js';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('RTP reception metrics', () => {
  let media: MediaLayer | undefined;
  let peer: RawPeer | undefined;
  afterEach(async () => {
    await media?.close();
    await peer?.close();
    expect(media?.ports.inUse ?? 0).toBe(0);
  });

  async function lossyCall(trunkAddresses: Map<string, string>): Promise<string> {
    const metrics = new PbxMetrics({ defaultMetrics: false });
    media = new MediaLayer({
      bindAddress: '127.0.0.1',
      advertisedAddress: '127.0.0.1',
      portMin: 34600,
      portMax: 34699,
      onSessionClosed: countReception(metrics, () => trunkAddresses),
    });
    peer = await RawPeer.open();
    const session = await media.openSession();
    session.answer(sdpFor(peer.port));
    // 20 packets expected (sequence 0 to 19), 5 of them never sent: 15 received, 5 lost.
    const sent = [...Array(20).keys()].filter((n) => n % 4 !== 1);
    for (const sequenceNumber of sent) {
      peer.sendRtp(session.port, {
        sequenceNumber,
        timestamp: sequenceNumber * 160,
        payload: new Uint8Array(160).fill(0xff),
      });
    }
    await waitFor(() => session.statistics.packetsReceived === sent.length, 3000, 'the packets');
    await session.close();
    return (await metrics.exposition()).body;
  }

  it('counts a phone session’s received and lost packets and its jitter', async () => {
    const text = await lossyCall(new Map());
    expect(sample(text, 'renvoi_rtp_packets_received_total', 'class="phone"')).toBe(15);
    expect(sample(text, 'renvoi_rtp_packets_lost_total', 'class="phone"')).toBe(5);
    expect(sample(text, 'renvoi_rtp_packets_received_total', 'class="trunk"')).toBe(0);
    expect(sample(text, 'renvoi_rtp_jitter_seconds_count', 'class="phone"')).toBe(1);
  });

  it('classes a session whose peer is a trunk’s address as trunk', async () => {
    const text = await lossyCall(new Map([['carrier.example', '127.0.0.1']]));
    expect(sample(text, 'renvoi_rtp_packets_received_total', 'class="trunk"')).toBe(15);
    expect(sample(text, 'renvoi_rtp_packets_lost_total', 'class="trunk"')).toBe(5);
    expect(sample(text, 'renvoi_rtp_packets_received_total', 'class="phone"')).toBe(0);
  });
});
