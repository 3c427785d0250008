import { afterAll, describe, expect, it } from 'vitest';
import type { Language } from '../../../../src/domain/types.js';
import type { PlaySource } from '../../../../src/media/frame-source.js';
import type { PlaybackResult } from '../../../../src/media/player.js';
import type { CallVoice } from '../../../../src/pbx/calls/ports.js';
import { announce } from '../../../../src/pbx/calls/steps/announce.js';
import type { StepMedia } from '../../../../src/pbx/calls/steps/step-context.js';
import { voicemail } from '../../../../src/pbx/calls/steps/voicemail.js';
import { EventBus } from '../../../../src/pbx/events.js';
import { MediaLayer } from '../../../../src/media/media-layer.js';
import { stepContext } from './step-fixtures.js';
import type { RecordingContext } from './step-fixtures.js';

// Never asked for a session here: the steps go through the call's media.
const layer = new MediaLayer({
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  portMin: 33700,
  portMax: 33701,
});
afterAll(() => layer.close());

/** Prompts named by language and spec, so the test sees which were asked for. */
function voice(languages: Record<string, Language>): CallVoice {
  return {
    media: layer,
    languageOf: (n) => languages[n ?? ''] ?? 'fr',
    say: (language) => (spec) => [
      `${language}/${spec.prompt}${'extension' in spec ? `-${spec.extension}` : ''}.wav`,
    ],
    pinOf: () => null,
    mailOf: () => null,
    // Never read before the caller is answered, which these tests do not do.
    repository: {} as CallVoice['repository'],
    events: new EventBus(),
  };
}

/** Media whose playbacks the test settles. */
class PlayingMedia implements StepMedia {
  readonly played: PlaySource[][] = [];
  private settle: ((r: PlaybackResult) => void) | null = null;
  private fail: ((e: Error) => void) | null = null;

  play(sources: readonly PlaySource[]): Promise<PlaybackResult> {
    this.played.push([...sources]);
    return new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
  }

  run(): never {
    throw new Error('announce runs no voicemail service');
  }

  end(reason: PlaybackResult['reason']): Promise<void> {
    this.settle?.({ reason, framesPlayed: 10 });
    return new Promise((r) => setImmediate(r));
  }

  broken(): Promise<void> {
    this.fail?.(new Error('no such file'));
    return new Promise((r) => setImmediate(r));
  }
}

/** withCallerMedia that answers at once. */
function answering(ctx: RecordingContext): void {
  ctx.withCallerMedia = (state, ready) => {
    ctx.calls.push(`withCallerMedia ${state}`);
    // announce plays through the call's media and never looks at the session itself.
    ready(null as never);
  };
}

describe('announce step', () => {
  it("plays the prompt in the step extension's language, then the next step runs", async () => {
    const media = new PlayingMedia();
    const ctx = stepContext({ voice: voice({ '102': 'en' }), media });
    answering(ctx);
    announce(ctx, { do: 'announce', prompt: 'locating', extension: '102' });
    expect(ctx.calls).toEqual(['enter announcing', 'withCallerMedia announcing']);
    expect(media.played).toEqual([[{ kind: 'wav', path: 'en/locating-102.wav' }]]);
    await media.end('completed');
    expect(ctx.calls.at(-1)).toBe('next');
  });

  it('defaults to the called extension; a stopped prompt or a step left runs nothing', async () => {
    const media = new PlayingMedia();
    const ctx = stepContext({ voice: voice({ '100': 'en' }), media });
    answering(ctx);
    announce(ctx, { do: 'announce', prompt: 'unavailable' });
    expect(media.played).toEqual([[{ kind: 'wav', path: 'en/unavailable.wav' }]]);
    await media.end('stopped');
    expect(ctx.calls).not.toContain('next');
    announce(ctx, { do: 'announce', prompt: 'unavailable' });
    ctx.index = 1;
    await media.end('completed');
    expect(ctx.calls).not.toContain('next');
  });

  it('a prompt that cannot play fails the media', async () => {
    const media = new PlayingMedia();
    const ctx = stepContext({ voice: voice({}), media });
    answering(ctx);
    announce(ctx, { do: 'announce', prompt: 'unavailable' });
    await media.broken();
    expect(ctx.calls.at(-1)).toBe('mediaFailed prompt unavailable');
  });
});

describe('voicemail step and mailbox menu', () => {
  it('enter the voicemail state and ask for the caller answered', () => {
    const ctx = stepContext({ voice: voice({}), media: new PlayingMedia() });
    voicemail(ctx, { do: 'voicemail', mailbox: '100' });
    expect(ctx.calls).toEqual(['enter voicemail', 'withCallerMedia voicemail']);
  });
});
