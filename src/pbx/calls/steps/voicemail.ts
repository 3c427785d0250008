/**
 * The `voicemail` step (design §4) and the `*97` mailbox menu: the PBX answers the caller and runs
 * the deposit or menu state machine on its session through the voice driver (greeting, beep,
 * recording written as it arrives; or the menu's prompts and digits). When the machine is done
 * the PBX hangs up; when the caller hangs up first the driver is told and finishes alone.
 */
import type { Step } from '../../../domain/types.js';
import type { RtpSession } from '../../../media/rtp-session.js';
import type { VoiceDriver } from '../../voicemail/voice-driver.js';
import { depositDriver, menuDriver } from '../../voicemail/voicemail-drivers.js';
import type { VoicemailCallContext } from '../../voicemail/voicemail-drivers.js';
import { callerUser } from '../identity.js';
import type { CallVoice } from '../ports.js';
import type { StepContext, StepMedia } from './step-context.js';

export function voicemail(ctx: StepContext, step: Extract<Step, { do: 'voicemail' }>): void {
  const { voice, media } = ctx;
  ctx.enter('voicemail');
  const index = ctx.step();
  ctx.withCallerMedia('voicemail', (session) => {
    const mail = voice.mailOf(step.mailbox);
    const { to, exception, plan, trace } = ctx.decision;
    ctx.settle(
      depositDriver(callContext(ctx, voice, session, step.mailbox), {
        mailbox: step.mailbox,
        callerNumber: callerUser(ctx.caller),
        callerName: ctx.callerName,
        // The mail says why the call came here: the decision, as the history keeps it.
        mail: mail === null ? null : { ...mail, decision: { to, exception, plan, trace } },
      }),
      (driver) => run(ctx, media, driver, step.mailbox, index),
      (error: unknown) => ctx.mediaFailed(`voicemail ${step.mailbox}`, error),
    );
  });
}

/** `*97`: the menu of the caller's own mailbox instead of a plan. */
export function mailboxMenu(ctx: StepContext, mailbox: string): void {
  const { voice, media } = ctx;
  ctx.enter('voicemail');
  const index = ctx.step();
  ctx.withCallerMedia('voicemail', (session) => {
    ctx.settle(
      menuDriver(callContext(ctx, voice, session, mailbox), {
        mailbox,
        pin: voice.pinOf(mailbox),
      }),
      (driver) => run(ctx, media, driver, mailbox, index),
      (error: unknown) => ctx.mediaFailed(`mailbox menu ${mailbox}`, error),
    );
  });
}

function callContext(
  ctx: StepContext,
  voice: CallVoice,
  session: RtpSession,
  mailbox: string,
): VoicemailCallContext {
  return {
    media: voice.media,
    session,
    timers: ctx.timers,
    repository: voice.repository,
    events: voice.events,
    say: voice.say(voice.languageOf(mailbox)),
    log: (m) => ctx.log(m),
    ...(voice.limits === undefined ? {} : { limits: voice.limits }),
  };
}

function run<C extends { do: string }>(
  ctx: StepContext,
  media: StepMedia,
  driver: VoiceDriver<C>,
  mailbox: string,
  index: number,
): void {
  if (!ctx.still('voicemail', index)) {
    // The caller left while the mailbox was being read: nothing was started.
    void driver.hangup();
    return;
  }
  ctx.log(`voicemail of ${mailbox}`);
  ctx.settle(
    media.run(driver),
    (end) => {
      if (end !== 'caller-gone' && ctx.still('voicemail', index)) ctx.hangUp();
    },
    (error: unknown) => ctx.mediaFailed(`voicemail ${mailbox}`, error),
  );
}
