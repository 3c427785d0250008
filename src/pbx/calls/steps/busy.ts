/** The `busy` step (design §4): the caller gets 486 Busy Here, or a BYE if the PBX answered it. */
import type { Step } from '../../../domain/types.js';
import { BUSY_HERE } from '../outcome.js';
import type { StepContext } from './step-context.js';

export function busy(ctx: StepContext, _step: Extract<Step, { do: 'busy' }>): void {
  ctx.endCall(BUSY_HERE, 'busy');
}
