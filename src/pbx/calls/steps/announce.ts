/**
 * The `announce` step (design §4): the PBX answers the caller from its own RTP session and plays
 * the prompt in the language of the step's extension (the called one by default); when the
 * prompt has played to its end, the next step runs.
 */
import type { Step } from '../../../domain/types.js';
import type { StepContext } from './step-context.js';

export function announce(ctx: StepContext, step: Extract<Step, { do: 'announce' }>): void {
  const { voice, media } = ctx;
  const extension = step.extension ?? ctx.decision.to;
  const say = voice.say(voice.languageOf(extension));
  const files =
    step.prompt === 'locating'
      ? say({ prompt: 'locating', extension })
      : say({ prompt: step.prompt });
  ctx.enter('announcing');
  const index = ctx.step();
  ctx.withCallerMedia('announcing', () => {
    ctx.settle(
      media.play(files.map((path) => ({ kind: 'wav', path }))),
      (result) => {
        if (!ctx.still('announcing', index) || result.reason !== 'completed') return;
        ctx.next();
      },
      (error: unknown) => ctx.mediaFailed(`prompt ${step.prompt}`, error),
    );
  });
}
