/**
 * The `dial` step (design §4): one B-leg out through the trunk that takes the number, presenting
 * the identity the plan says (issue 13 §5; private per RFC 3323/3325). No trunk for the number: the step fails as
 * unreachable.
 */
import type { Step } from '../../../domain/types.js';
import { trunkPresentation } from '../identity.js';
import type { StepContext } from './step-context.js';

export function dial(ctx: StepContext, step: Extract<Step, { do: 'dial' }>): void {
  const route = ctx.trunks.dial(
    step.number,
    step.presentation,
    ctx.caller,
    ctx.callerName,
    step.extension,
  );
  if (route === null) {
    ctx.log(`no trunk for ${step.number}`);
    ctx.failed('unreachable');
    return;
  }
  ctx.ring(step.timeout, [
    {
      target: step.number,
      uri: route.requestUri,
      to: route.to,
      destination: route.destination,
      presentation: trunkPresentation(ctx.callerName, step.presentation, route),
      extra: route.headers ?? [],
    },
  ]);
}
