/**
 * The two voicemail services of a call, each a `VoiceDriver` bound to the store: leaving a message
 * in a mailbox (the `voicemail` step) and the mailbox menu of `*97`. Every change to a mailbox is
 * followed by the `voicemail` live event, which the PBX turns into message-waiting NOTIFYs and
 * the web client into a refresh.
 *
 * A message exists in the store from the first byte recorded (state `recording`), so a crash
 * keeps it. When the deposit ends without its verdict (an error, the call torn down under it),
 * the half-made message is kept if it holds enough audio, as a restart would keep it, else
 * deleted.
 */
import type { MediaLayer } from '../../media/media-layer.js';
import type { RtpSession } from '../../media/rtp-session.js';
import { wavDurationMs } from '../../store/voicemail-repository.js';
import type { VoicemailRepository } from '../../store/voicemail-repository.js';
import type { MailRequest } from '../../store/voicemail-mail-repository.js';
import type { EventBus } from '../events.js';
import { Deposit, MIN_MESSAGE_MS } from './deposit.js';
import type { DepositCommand } from './deposit.js';
import { MailboxMenu } from './menu.js';
import type { MenuCommand } from './menu.js';
import type { Say } from './prompt-catalog.js';
import { VoiceDriver } from './voice-driver.js';
import { pinMatches } from '../../store/credentials.js';
import type { VoicemailPin } from '../../domain/credentials.js';
import type { DriverTimers } from './voice-driver.js';

/** What both services need. */
export interface VoicemailCallContext {
  media: MediaLayer;
  session: RtpSession;
  timers: DriverTimers;
  repository: VoicemailRepository;
  events: EventBus;
  /** Prompts in the mailbox owner's language. */
  say: Say;
  log?: (message: string) => void;
  /** Test hooks for the machines' limits. */
  limits?: { endSilenceMs?: number; maxMessageMs?: number; inputTimeoutMs?: number };
}

export interface DepositRequest {
  mailbox: string;
  callerNumber: string | null;
  callerName: string | null;
  /** The e-mail to send once the message is kept, stored with it (null: not mailed). */
  mail: MailRequest | null;
}

/** Greeting (the mailbox's own, else the default one), beep, recording, stored. */
export async function depositDriver(
  context: VoicemailCallContext,
  request: DepositRequest,
): Promise<VoiceDriver<DepositCommand>> {
  const { repository, events, mailbox } = { ...context, mailbox: request.mailbox };
  const own = await repository.greeting(mailbox);
  const greeting = own === null ? context.say({ prompt: 'greeting', extension: mailbox }) : [own];
  const machine = new Deposit({
    greeting,
    say: context.say,
    ...(context.limits?.endSilenceMs === undefined
      ? {}
      : { endSilenceMs: context.limits.endSilenceMs }),
    ...(context.limits?.maxMessageMs === undefined
      ? {}
      : { maxMessageMs: context.limits.maxMessageMs }),
  });
  let messageId: string | null = null;
  let messagePath: string | null = null;
  const changed = (): void => events.emit({ type: 'voicemail', extension: mailbox });
  return new VoiceDriver<DepositCommand>({
    media: context.media,
    session: context.session,
    machine,
    timers: context.timers,
    name: 'deposit',
    ...(context.log === undefined ? {} : { log: context.log }),
    recordingPath: async () => {
      const message = await repository.startMessage(request);
      messageId = message.id;
      messagePath = message.path;
      return message.path;
    },
    store: async (command) => {
      if (messageId === null) throw new Error(`${command.do} without a recording`);
      const id = messageId;
      messageId = null;
      if (command.do === 'keepMessage') {
        await repository.finishMessage(id, command.durationMs);
        changed();
      } else {
        await repository.delete(id);
      }
      return undefined;
    },
    onEnd: async () => {
      if (messageId === null || messagePath === null) return;
      const id = messageId;
      messageId = null;
      let durationMs: number | null = null;
      try {
        durationMs = wavDurationMs(messagePath);
      } catch {
        durationMs = null;
      }
      if (durationMs !== null && durationMs >= MIN_MESSAGE_MS) {
        await repository.finishMessage(id, durationMs);
        changed();
      } else {
        await repository.delete(id);
      }
    },
  });
}

/** The `*97` menu of `mailbox`: PIN, messages, greeting. */
export async function menuDriver(
  context: VoicemailCallContext,
  request: { mailbox: string; pin: VoicemailPin | null },
): Promise<VoiceDriver<MenuCommand>> {
  const { repository, events } = context;
  const { mailbox } = request;
  const messages = await repository.list(mailbox);
  const machine = new MailboxMenu({
    pinRequired: request.pin !== null,
    messages: messages.map((m) => ({
      id: m.id,
      path: m.path,
      state: m.state === 'new' ? 'new' : 'saved',
    })),
    say: context.say,
    ...(context.limits?.inputTimeoutMs === undefined
      ? {}
      : { inputTimeoutMs: context.limits.inputTimeoutMs }),
  });
  const changed = (): void => events.emit({ type: 'voicemail', extension: mailbox });
  return new VoiceDriver<MenuCommand>({
    media: context.media,
    session: context.session,
    machine,
    timers: context.timers,
    name: 'menu',
    ...(context.log === undefined ? {} : { log: context.log }),
    recordingPath: () => Promise.resolve(repository.greetingRecordingPath(mailbox)),
    store: async (command) => {
      switch (command.do) {
        case 'markSaved':
          await repository.markSaved(command.id);
          break;
        case 'deleteMessage':
          await repository.delete(command.id);
          break;
        case 'keepGreeting':
          await repository.commitGreeting(mailbox);
          break;
        case 'discardGreeting':
          repository.discardGreetingRecording(mailbox);
          return undefined;
        case 'checkPin':
          return {
            type: 'pinChecked',
            ok: request.pin !== null && (await pinMatches(request.pin, command.entered)),
          };
      }
      changed();
      return undefined;
    },
    onEnd: () => {
      repository.discardGreetingRecording(mailbox);
      return Promise.resolve();
    },
  });
}
