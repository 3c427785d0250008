/**
 * The media layer the call tests give their sessions: a real one on 127.0.0.1 (RTP sessions,
 * SDP, bridges and playback as in production), with prompts, PINs and the voicemail store
 * refused unless a test supplies them, so that a test reaching them by mistake fails loudly.
 */
import { MediaLayer } from '../../../src/media/media-layer.js';
import type { CallVoice } from '../../../src/pbx/calls/ports.js';
import { EventBus } from '../../../src/pbx/events.js';

const unused = (what: string) => (): never => {
  throw new Error(`this test does not give ${what}`);
};

/** A loopback media layer on `portMin`..`portMin + 99`. */
export function loopbackMedia(portMin: number): MediaLayer {
  return new MediaLayer({
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    portMin,
    portMax: portMin + 99,
  });
}

/** A call's voice on `media`; `overrides` give what the test's steps use. */
export function testVoice(media: MediaLayer, overrides: Partial<CallVoice> = {}): CallVoice {
  return {
    media,
    languageOf: unused('languages'),
    say: unused('prompts'),
    pinOf: unused('PINs'),
    // No mailbox is mailed unless a test says so.
    mailOf: () => null,
    repository: new Proxy({} as CallVoice['repository'], {
      get: (_target, name) => unused(`the voicemail store (${String(name)})`)(),
    }),
    events: new EventBus(),
    ...overrides,
  };
}
