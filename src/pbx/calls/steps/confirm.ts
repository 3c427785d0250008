/**
 * Answer confirmation, the `confirm` option of a `dial` step (issue 13 §4, FreePBX's "Confirm
 * Calls"): a mobile's own voicemail must not take a forwarded call. When the far end answers, the
 * PBX plays « Appel de … pour le poste …, appuyez sur 1 pour accepter » to it from the callee's RTP
 * session, while the caller goes on hearing ringback. A `1` (RFC 4733 event or SIP INFO) joins the
 * caller; silence for CONFIRM_WAIT_MS after the prompt, or a hang-up, is no answer: the leg gets a
 * BYE and the plan goes on (the extension's voicemail).
 */
import type { Step } from '../../../domain/types.js';
import type { DtmfDigit } from '../../../media/telephone-event.js';
import type { BLeg } from '../b-leg.js';
import type { CallCore } from '../call-core.js';

/** How long after the prompt the answering person has to press 1. */
export const CONFIRM_WAIT_MS = 5000;

const ACCEPT: DtmfDigit = '1';

export function awaitConfirmation(
  core: CallCore,
  leg: BLeg,
  step: Extract<Step, { do: 'dial' }>,
  accepted: () => void,
): void {
  const index = core.stepIndex;
  const session = core.media.callee;
  if (session === null) throw new Error(`call ${core.id}: a relayed leg answered without media`);
  const { voice } = core;
  const extension = step.extension ?? core.decision.to;
  const files = voice.say(voice.languageOf(extension))({
    prompt: 'confirm',
    caller: voice.callerDigits?.(core.caller) ?? null,
    extension,
  });
  core.log(`B-leg ${leg.id}: answered, waiting for its 1`);
  const playback = voice.media.play(
    session,
    files.map((path) => ({ kind: 'wav', path })),
  );
  let done = false;
  const finish = (outcome: 'accepted' | 'refused' | 'gone'): void => {
    if (done) return;
    done = true;
    session.off('dtmf', onDigit);
    playback.stop();
    core.timers.clear('confirm');
    core.legs.endConfirmation(leg);
    if (core.state !== 'ringing' || core.stepIndex !== index) return;
    if (outcome === 'accepted') {
      core.log(`B-leg ${leg.id}: accepted`);
      accepted();
      return;
    }
    core.log(`B-leg ${leg.id}: not accepted, treated as no answer`);
    if (outcome === 'refused') leg.hangUp();
    core.stepFailed('no-answer');
  };
  const onDigit = (digit: DtmfDigit): void => {
    if (digit === ACCEPT) finish('accepted');
  };
  session.on('dtmf', onDigit);
  core.legs.awaitConfirmation(leg, {
    digit: onDigit,
    hungUp: () => finish('gone'),
    cancelled: () => finish('gone'),
  });
  core.settle(
    playback.done,
    () => {
      if (!done) core.timers.set('confirm', CONFIRM_WAIT_MS, () => finish('refused'));
    },
    (error: unknown) => {
      finish('gone');
      core.mediaFailed('confirmation prompt', error);
    },
  );
}
