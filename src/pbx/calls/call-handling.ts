/**
 * Where the PBX hands every request that is not REGISTER or OPTIONS: which call a request belongs
 * to, and for a new INVITE, who may call what (design §5), decided by the admission chain
 * (`admission/`):
 *
 * - A request from a trunk (by address and port) calls an inbound number, mapped to its extension
 *   or ring group; an unknown number gets 404.
 * - Anybody else is challenged (407) whatever the number, unless the admin allows outside SIP
 *   calls: then a request that offers no credentials and claims no extension may call an
 *   extension or a ring group, within limits per source address, and is never dialled out for.
 * - Only an authenticated extension is an internal caller, reaches the trunk or its `*97` menu.
 * - The PBX's media (prompts, voicemail, relayed trunk calls) uses RTP ports from
 *   `RENVOI_RTP_PORTS` (default 10000-20000), bound on the PBX's host and announced with the
 *   address phones reach it at.
 */
import { HoldMusicRepository } from '../../store/hold-music-repository.js';
import type { Logger } from 'pino';
import { bindingDestination } from '../registrar/peer-destination.js';
import { getTo, parseSipUri, uriUser } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { RealScheduler } from '../../sip/timers.js';
import { buildReply } from '../../sip/stack.js';
import type { ServerTransaction, Source } from '../../sip/stack.js';
import type { CallHandler, Pbx, PbxContext } from '../server.js';
import { storeHistory } from '../../store/call-history-repository.js';
import { DialogCheckpoint } from './dialog-checkpoint.js';
import type { BatchedHistoryWriter } from '../../store/call-history-repository.js';
import { countReception, countingOutcomes } from '../metrics.js';
import { DirectoryTrunkDialler } from '../trunks/trunk-dialler.js';
import { formatNumber } from '../../domain/numbers.js';
import { MediaLayer } from '../../media/media-layer.js';
import { loadPromptSources, bundledPromptsDir } from '../voicemail/prompt-sources.js';
import { sayer } from '../voicemail/prompt-catalog.js';
import type { VoicemailCallContext } from '../voicemail/voicemail-drivers.js';
import { CallRouter } from './call-router.js';
import type { Attempt } from './admission/chain.js';
import { admissionChain } from './admission/chain.js';
import { authenticate } from './admission/authenticate.js';
import { DEFAULT_MAX_CALLS, callCapacity } from './admission/call-capacity.js';
import { dispatch } from './admission/dispatch.js';
import { fromTrunk } from './admission/from-trunk.js';
import { outsideCaller } from './admission/outside-caller.js';
import { SourceLimiter, sourceLimits } from './admission/source-limits.js';
import type { CallTimers } from './call-core.js';
import type { CallVoice, Locator } from './ports.js';
import { DEFAULT_RTP_PORTS, parsePortRange } from './port-range.js';
import { StackSignaling } from './stack-signaling.js';
import { PBX_ALLOW } from '../allow.js';

export interface CallHandlingOptions extends Partial<CallTimers> {
  /** RTP port range, "min-max"; default `RENVOI_RTP_PORTS`, else 10000-20000. */
  rtpPorts?: string;
  /** Address the RTP sockets bind to; default the PBX's host. */
  mediaBindAddress?: string;
  /** No RTP from a caller the PBX talks to for this long ends the call; default 60 000 ms. */
  mediaInactivityMs?: number;
  /** Shorter voicemail limits, for tests. */
  voicemailLimits?: VoicemailCallContext['limits'];
  /** Calls in progress at once; beyond, a new INVITE gets 503. Default `RENVOI_MAX_CALLS`, else 5,000. */
  maxCalls?: number;
}

/** What a test or the CLI may look at once calls are attached. */
export interface CallHandlingHandle {
  readonly media: MediaLayer;
}

export function attachCallHandling(
  pbx: Pbx,
  options: CallHandlingOptions = {},
): CallHandlingHandle {
  let handling: CallHandling | undefined;
  pbx.attachCalls((context) => (handling = new CallHandling(context, options)));
  if (handling === undefined) throw new Error('the PBX did not attach the calls');
  return { media: handling.media };
}

class CallHandling implements CallHandler {
  readonly media: MediaLayer;
  private readonly router: CallRouter;
  private readonly scheduler = new RealScheduler();
  private readonly log: Logger;
  private readonly history: BatchedHistoryWriter;
  /** The calls' dialogs in the store, for a PBX started after a crash. */
  readonly checkpoint: DialogCheckpoint;
  private readonly admit: (attempt: Attempt) => void;

  constructor(
    private readonly context: PbxContext,
    options: CallHandlingOptions,
  ) {
    this.log = context.log;
    const ports = parsePortRange(
      options.rtpPorts ?? process.env.RENVOI_RTP_PORTS ?? DEFAULT_RTP_PORTS,
    );
    this.media = new MediaLayer({
      bindAddress: options.mediaBindAddress ?? context.bindHost,
      advertisedAddress: (peer) => context.stack.addressFor(peer),
      portMin: ports.min,
      portMax: ports.max,
      ...(options.mediaInactivityMs === undefined
        ? {}
        : { inactivityMs: options.mediaInactivityMs }),
      onError: (error) => context.log.error({ err: error }, 'media clock subscriber failed'),
      onSessionClosed: countReception(context.metrics, context.resolvedHosts),
    });
    const bundled = bundledPromptsDir();
    const holdTracks = new HoldMusicRepository(context.db, context.dataDir);
    const voice: CallVoice = {
      media: this.media,
      languageOf: (number) => {
        const directory = context.directory();
        const extension = number === null ? undefined : directory.extensions.get(number);
        return extension?.language ?? directory.settings.language;
      },
      // Read at each use: an admin's recording dropped in while the PBX runs is taken.
      say: (language) => sayer(language, loadPromptSources(context.dataDir, bundled)),
      callerDigits: (caller) => {
        if (caller.kind === 'internal') return caller.extension;
        if (caller.kind === 'anonymous') return null;
        const { country } = context.directory().settings;
        const national =
          caller.e164 === null ? null : formatNumber(caller.e164, 'national', country);
        const digits = (national ?? caller.digits).replace(/\D/g, '');
        return digits === '' ? null : digits;
      },
      pinOf: (extension) => context.directory().extensions.get(extension)?.voicemailPin ?? null,
      mailOf: (mailbox) => {
        const extension = context.directory().extensions.get(mailbox);
        if (extension?.email === undefined || extension.email === null) return null;
        return {
          recipient: extension.email,
          language: extension.language,
          deleteAfter: extension.deleteAfterEmail,
        };
      },
      repository: context.voicemail,
      // Read at each hold: a track an admin adds or removes is heard from the next hold on.
      holdMusic: () => holdTracks.files(),
      events: context.events,
      ...(options.voicemailLimits === undefined ? {} : { limits: options.voicemailLimits }),
    };
    const timers: Partial<CallTimers> = {
      ...(options.t1 === undefined ? {} : { t1: options.t1 }),
      ...(options.t2 === undefined ? {} : { t2: options.t2 }),
    };
    const locator: Locator = {
      contactsOf: (extension) =>
        context.registrar.contactsOf(extension).map((binding) => ({
          uri: binding.contact,
          destination: bindingDestination(binding),
        })),
    };
    this.history = storeHistory(context.db);
    this.router = new CallRouter({
      directory: context.directory,
      locator,
      // The busy lamps hear of every message of a call, and read the calls after it.
      signaling: context.activity.observe(new StackSignaling(context.stack)),
      scheduler: this.scheduler,
      trunks: new DirectoryTrunkDialler(context.directory, context.log),
      history: countingOutcomes(this.history, context.metrics),
      domain: context.host,
      timers,
      voice,
      log: (message) => context.log.info(message),
      logError: (error, message) => context.log.error({ err: error }, message),
    });
    context.activity.watch(() => this.router.active());
    this.checkpoint = new DialogCheckpoint({
      db: context.db,
      calls: () => this.router.active(),
      send: (request, destination, handlers) =>
        context.stack.sendRequest(request, destination, handlers),
      log: (message) => context.log.info(message),
    });
    this.admit = admissionChain([
      callCapacity(
        () => this.router.size,
        options.maxCalls ?? maxCallsSetting(process.env.RENVOI_MAX_CALLS),
        () => context.metrics.shed('INVITE', 'calls'),
        this.log,
      ),
      fromTrunk(context.resolvedHosts, this.log),
      outsideCaller(this.log),
      sourceLimits(new SourceLimiter(), Date.now, this.log),
      authenticate(context.authenticator, this.log),
      dispatch(this.router, this.log),
    ]);
  }

  active(): number {
    return this.router.size;
  }

  timers(): number {
    return this.scheduler.pending;
  }

  /** Ends every call, then writes the history still queued. */
  async close(): Promise<void> {
    this.router.close();
    await this.router.flush();
    this.checkpoint.close();
    this.history.close();
    await this.media.close();
  }

  handle(request: SipRequest, tx: ServerTransaction | null, source: Source): void {
    if (request.method === 'CANCEL') {
      if (tx !== null) {
        this.router.handleCancel(request, tx, this.context.stack.findInviteForCancel(request));
      }
      return;
    }
    const inDialog = getTo(request)?.tag !== undefined;
    if (inDialog || request.method === 'ACK') {
      // RFC 3261 §12.2.2: a request for a dialog we do not know gets 481; an ACK is just dropped.
      if (!this.router.handleInDialog(request, tx) && tx !== null) {
        tx.respond(buildReply(request, 481, 'Call/Transaction Does Not Exist'));
      }
      return;
    }
    if (tx === null) return;
    if (request.method === 'INVITE') {
      this.invite(request, tx, source);
      return;
    }
    // RFC 3261 §8.2.1: out of a dialog, BYE and the rest mean nothing here; a REFER (RFC 3515
    // §2.4.2) transfers only a call the PBX carries, so one outside a dialog names none.
    if (request.method === 'BYE' || request.method === 'REFER') {
      tx.respond(buildReply(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    const response = buildReply(request, 405, 'Method Not Allowed');
    response.headers.append('Allow', PBX_ALLOW);
    tx.respond(response);
  }

  private invite(request: SipRequest, tx: ServerTransaction, source: Source): void {
    // A Request-URI without a user part is no number: a trunk or an authenticated extension gets
    // 404 for it, anybody else the challenge every unknown source gets.
    const dialled = userOf(request.uri) ?? '';
    this.admit({
      request,
      tx,
      source,
      directory: this.context.directory(),
      dialled,
      onRelease: [],
    });
  }
}

/** `RENVOI_MAX_CALLS`: a whole number of calls, at least 1. */
function maxCallsSetting(setting: string | undefined): number {
  if (setting === undefined || setting.trim() === '') return DEFAULT_MAX_CALLS;
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`RENVOI_MAX_CALLS: "${setting}" is not a whole number of calls (at least 1)`);
  }
  return n;
}

function userOf(uri: string): string | null {
  const parsed = parseSipUri(uri);
  return parsed === null ? null : (uriUser(parsed) ?? null);
}
