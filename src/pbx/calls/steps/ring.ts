/**
 * The `ring` step (design §4): one B-leg per registered device of each extension of the step, all
 * at once, the first 2xx winning. The caller's own extension is skipped: a phone never rings for
 * its own call. No device registered: the step fails as unreachable.
 */
import type { Step } from '../../../domain/types.js';
import { internalPresentation } from '../identity.js';
import type { LegTarget, StepContext } from './step-context.js';

export function ring(ctx: StepContext, step: Extract<Step, { do: 'ring' }>): void {
  const own = ctx.caller.kind === 'internal' ? ctx.caller.extension : null;
  const presentation = internalPresentation(ctx.caller, ctx.callerName, ctx.domain);
  const targets: LegTarget[] = [];
  for (const extension of step.extensions) {
    if (extension === own) continue;
    const contacts = ctx.locator.contactsOf(extension);
    if (contacts.length === 0) ctx.log(`extension ${extension} is not registered: skipped`);
    for (const c of contacts) {
      targets.push({
        target: extension,
        uri: c.uri,
        to: `<sip:${extension}@${ctx.domain}>`,
        destination: c.destination,
        presentation,
        extra: [],
      });
    }
  }
  if (targets.length === 0) {
    ctx.failed('unreachable');
    return;
  }
  ctx.ring(step.timeout, targets);
}
