/** The plan's steps by name (design §4): each runs from its own file. */
import type { Step } from '../../../domain/types.js';
import { announce } from './announce.js';
import { busy } from './busy.js';
import { dial } from './dial.js';
import { ring } from './ring.js';
import type { StepContext } from './step-context.js';
import { voicemail } from './voicemail.js';

export function runStep(ctx: StepContext, step: Step): void {
  switch (step.do) {
    case 'ring':
      ring(ctx, step);
      return;
    case 'dial':
      dial(ctx, step);
      return;
    case 'busy':
      busy(ctx, step);
      return;
    case 'announce':
      announce(ctx, step);
      return;
    case 'voicemail':
      voicemail(ctx, step);
      return;
  }
}
