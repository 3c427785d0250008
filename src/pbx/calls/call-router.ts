/**
 * Where the PBX hands every call: a new INVITE to an extension, a ring group or an inbound number
 * (already mapped to one of those) becomes an `IncomingCall`, `route()` decides, a `CallSession`
 * runs the decision, and the history records it. CANCELs and in-dialog requests are routed to
 * their session.
 *
 * Decisions:
 * - Only a caller who authenticated as an extension is internal. Anybody else is an outside
 *   caller even if the From says "101": the From is the caller's own claim.
 * - The identity of an outside caller is its P-Asserted-Identity when the request comes from a
 *   trusted node (RFC 3325 §4), else its From. A Privacy header asking for id, header or user
 *   privacy (RFC 3323 §4.2) makes the caller anonymous, as design §2 says.
 * - A repeat condition counts the caller's calls in the history (issue 13 §3): the router reads
 *   them, the domain counts them.
 * - Extension states for `route()`: `offline` when no contact is registered, `busy` when the
 *   extension is the caller of a call in progress or the party that answered one.
 */
import { randomUUID } from 'node:crypto';
import type { Caller, Decision, Directory, ExtensionState, PastCall } from '../../domain/types.js';
import { callerKey, normalizeCaller } from '../../domain/numbers.js';
import { callerName as contactName } from '../../domain/contacts.js';
import { route } from '../../domain/route.js';
import { maxRepeatMinutes } from '../../domain/validity.js';
import {
  getCallId,
  getFrom,
  parseNameAddr,
  parseSipUri,
  uriUser,
} from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { buildReply } from '../../sip/message/reply.js';
import type { Scheduler } from '../../sip/timers.js';
import type { CallHistorySink, CallSource } from '../../store/call-history-repository.js';
import { CallBoundary } from './call-boundary.js';
import { CallSession } from './call-session.js';
import type { CallEnd, CallSessionOptions, CallTimers, TransferRouting } from './call-core.js';
import { routeTransfer } from './transfer/transfer-routing.js';
import { joinByReplaces, pickUpByCode } from './transfer/joining.js';
import type { JoiningHost } from './transfer/joining.js';
import { privacyRequested } from './identity.js';
import { refuseUnusableOffer } from './offer-check.js';
import type { CallVoice, Locator, ServerTx, Signaling, TrunkDialler } from './ports.js';

export interface CallRouterOptions {
  directory: () => Directory;
  locator: Locator;
  signaling: Signaling;
  scheduler: Scheduler;
  trunks: TrunkDialler;
  history: CallHistorySink;
  /** Host part of the URIs the PBX writes. */
  domain: string;
  /** Wall clock for routing (office hours) and the history. */
  clock?: () => Date;
  timers?: Partial<CallTimers>;
  log?: (message: string) => void;
  /** An error inside a call (its call is ended); default: `log`. */
  logError?: (error: unknown, message: string) => void;
  /** The PBX's voice and media relay: prompts, voicemail, anchored legs. */
  voice: CallVoice;
}

/** What the PBX knows about a new INVITE beyond the request itself. */
export interface InviteContext {
  /** Extension or ring-group number called (an inbound number already mapped). */
  to: string;
  /** The extension the caller authenticated as (digest), if any. */
  authenticatedAs?: string;
  /** The request comes from a trusted node (a trusted trunk): its P-Asserted-Identity counts. */
  trusted?: boolean;
  /** The request comes from a trunk: the PBX relays its media. */
  fromTrunk?: boolean;
  /** An outside SIP caller (neither trunk nor extension): routing never dials out for it. */
  outsideSip?: boolean;
  /** Told once when the call is released. */
  onReleased?: () => void;
}

/** What the phones dial for their mailbox menu (design §5). */
export const MAILBOX_MENU = '*97';

function userOf(nameAddrUri: string | undefined): string | null {
  if (nameAddrUri === undefined) return null;
  const uri = parseSipUri(nameAddrUri);
  if (uri !== null) return uriUser(uri) ?? null;
  // tel: URIs (RFC 3966) in P-Asserted-Identity: the number is everything up to the parameters.
  return nameAddrUri.toLowerCase().startsWith('tel:')
    ? (nameAddrUri.slice(4).split(';')[0] ?? null)
    : null;
}

export class CallRouter {
  private readonly sessions = new Set<CallSession>();
  private readonly byCallId = new Map<string, CallSession>();
  /** Sessions not yet released, by call id (the history's key). */
  private readonly byId = new Map<string, CallSession>();
  /** The history line a session writes to now: a transfer starts a new one. */
  private readonly lines = new Map<CallSession, string[]>();
  private readonly clock: () => Date;
  private readonly log: (message: string) => void;
  /** History writes of one call, in order. */
  private readonly writes = new Map<string, Promise<void>>();
  /** Each call's error boundary: what the router routes to a call runs inside it. */
  private readonly boundaries = new WeakMap<CallSession, CallBoundary>();

  constructor(private readonly options: CallRouterOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? ((m) => console.info(m));
  }

  /** How many calls are not yet released. */
  get size(): number {
    return this.sessions.size;
  }

  /** Calls not yet released. */
  active(): readonly CallSession[] {
    return [...this.sessions];
  }

  /** The caller as routing sees it, and the name to show the callee. */
  identify(
    request: SipRequest,
    context: InviteContext,
    directory: Directory,
  ): { caller: Caller; callerName: string | null } {
    const from = getFrom(request);
    const privacy = privacyRequested(request.headers.getAll('Privacy'));
    if (context.authenticatedAs !== undefined && !privacy) {
      const extension = directory.extensions.get(context.authenticatedAs);
      return {
        caller: { kind: 'internal', extension: context.authenticatedAs },
        callerName: extension?.name ?? from?.displayName ?? null,
      };
    }
    const asserted =
      context.trusted === true
        ? parseNameAddr(request.headers.get('P-Asserted-Identity') ?? '')
        : null;
    const identity = asserted ?? from;
    const caller = normalizeCaller(
      { user: userOf(identity?.uri), privacy },
      directory.settings.country,
      () => false,
    );
    // The called user's own contact, else the phonebook's, names the caller before the network's
    // display name does (issue 13 §2), on the phones and in the history.
    const contact = contactName(directory, directory.extensions.get(context.to) ?? null, caller);
    return {
      caller,
      callerName: caller.kind === 'anonymous' ? null : (contact ?? identity?.displayName ?? null),
    };
  }

  /**
   * A new INVITE (no To tag) for `context.to`: decide, run, record. Null when its offer is refused
   * at the edge (offer-check.ts): no call then.
   */
  handleInvite(request: SipRequest, tx: ServerTx, context: InviteContext): CallSession | null {
    if (this.refused(tx, context.trusted === true)) return null;
    const directory = this.options.directory();
    const { caller, callerName } = this.identify(request, context, directory);
    const now = this.clock();
    const decision = route(
      {
        to: context.to,
        from: caller,
        states: this.states(directory),
        recentCalls: this.recentCalls(caller, directory, now),
        ...(context.outsideSip === true ? { outsideSip: true } : {}),
      },
      directory,
      now,
    );
    return this.startSession(
      tx,
      decision,
      caller,
      callerName,
      now,
      { fromTrunk: context.fromTrunk === true },
      {
        source:
          context.fromTrunk === true
            ? 'trunk'
            : context.authenticatedAs !== undefined
              ? 'extension'
              : 'outside',
        ...(context.onReleased === undefined ? {} : { onReleased: context.onReleased }),
      },
    );
  }

  /**
   * `*97` from an authenticated extension: its own mailbox menu. The history records it as a call
   * to `*97` with no plan.
   */
  handleMailboxMenu(request: SipRequest, tx: ServerTx, extension: string): CallSession | null {
    if (this.refused(tx, false)) return null;
    const directory = this.options.directory();
    const { caller, callerName } = this.identify(
      request,
      { to: MAILBOX_MENU, authenticatedAs: extension },
      directory,
    );
    const decision: Decision = {
      to: MAILBOX_MENU,
      exception: null,
      action: null,
      plan: [],
      trace: [],
    };
    return this.startSession(
      tx,
      decision,
      caller,
      callerName,
      this.clock(),
      { mailboxMenu: extension },
      { source: 'extension' },
    );
  }

  /** An INVITE with Replaces from an authenticated extension (transfer/joining.ts). */
  handleReplaces(request: SipRequest, tx: ServerTx, extension: string): CallSession | null {
    return joinByReplaces(this.joiningHost(), request, tx, extension);
  }

  /** A pickup code from an authenticated extension (transfer/joining.ts). */
  handlePickup(
    request: SipRequest,
    tx: ServerTx,
    extension: string,
    dialled: string,
    target: string | null,
  ): CallSession | null {
    return pickUpByCode(this.joiningHost(), { request, tx, extension, dialled, target });
  }

  private joiningHost(): JoiningHost<CallSession> {
    return {
      callById: (callId) => this.byCallId.get(callId),
      calls: () => this.sessions,
      directory: () => this.options.directory(),
      log: this.log,
      start: (request, tx, extension, to, join) =>
        this.startJoining(request, tx, extension, to, join),
    };
  }

  /** A call whose caller joins another call at once (`join`) instead of following a plan. */
  private startJoining(
    request: SipRequest,
    tx: ServerTx,
    extension: string,
    to: string,
    join: (session: CallSession) => void,
  ): CallSession | null {
    if (this.refused(tx, false)) return null;
    const directory = this.options.directory();
    const { caller, callerName } = this.identify(
      request,
      { to, authenticatedAs: extension },
      directory,
    );
    const decision: Decision = { to, exception: null, action: null, plan: [], trace: [] };
    return this.startSession(
      tx,
      decision,
      caller,
      callerName,
      this.clock(),
      { joining: join },
      { source: 'extension' },
    );
  }

  /**
   * An extension calling an outside number (`e164`): one `dial` step through the trunk, showing
   * the caller's identity as the trunk presents it. The outbound policy is the trunk dialler's
   * to enforce, at dial time.
   */
  handleOutbound(
    request: SipRequest,
    tx: ServerTx,
    e164: string,
    extension: string,
  ): CallSession | null {
    if (this.refused(tx, false)) return null;
    const directory = this.options.directory();
    const { caller, callerName } = this.identify(
      request,
      { to: e164, authenticatedAs: extension },
      directory,
    );
    const decision: Decision = {
      to: e164,
      exception: null,
      action: null,
      plan: [{ do: 'dial', number: e164, presentation: 'caller', timeout: null }],
      trace: [],
    };
    return this.startSession(
      tx,
      decision,
      caller,
      callerName,
      this.clock(),
      {},
      {
        source: 'extension',
      },
    );
  }

  private startSession(
    tx: ServerTx,
    decision: Decision,
    caller: Caller,
    callerName: string | null,
    now: Date,
    extra: Pick<CallSessionOptions, 'fromTrunk' | 'mailboxMenu' | 'joining'>,
    record: { source: CallSource; onReleased?: () => void },
  ): CallSession {
    const id = randomUUID();
    const boundary = new CallBoundary(this.options.scheduler, this.options.signaling, (error) =>
      this.logError(error, `call ${id}: error, the call is ended`),
    );
    const session = new CallSession({
      id,
      invite: tx,
      decision,
      caller,
      callerName,
      signaling: boundary,
      scheduler: boundary,
      onMediaFault: (error) => boundary.fault(error),
      guard: (fn) => boundary.run(fn),
      locator: this.options.locator,
      trunks: this.options.trunks,
      domain: this.options.domain,
      ...(this.options.timers === undefined ? {} : { timers: this.options.timers }),
      voice: this.options.voice,
      transfers: this.transfers(record.source === 'outside'),
      ...extra,
      log: this.log,
      events: {
        answered: (s, by) => {
          const line = this.lineOf(s);
          this.write(line, (h) => h.recordAnswer(line, this.clock().getTime(), by));
        },
        transferred: (s, transfer) => {
          // The line of the call so far ends answered by the transferor; the transferred call
          // gets its own, whose trace says by whom (design §4: decide once, execute, record).
          const at = this.clock().getTime();
          const previous = this.lineOf(s);
          const end = { outcome: 'answered' as const, status: 200, answeredBy: transfer.by };
          this.write(previous, (h) => h.recordEnd(previous, at, end));
          const line = randomUUID();
          this.lines.get(s)?.push(line);
          this.byId.set(line, s);
          const { caller: from, callerName: name } = s;
          const start = { id: line, startedAt: at, source: record.source, caller: from };
          this.write(line, (h) =>
            h.recordStart({ ...start, callerName: name, decision: transfer.decision }),
          );
        },
        ended: (s, end: CallEnd) => {
          const line = this.lineOf(s);
          this.write(line, (h) => h.recordEnd(line, this.clock().getTime(), end));
        },
        released: (s) => {
          this.forget(s);
          record.onReleased?.();
        },
      },
    });
    boundary.endWith(() => session.terminate());
    this.boundaries.set(session, boundary);
    this.sessions.add(session);
    this.byId.set(id, session);
    this.lines.set(session, [id]);
    this.byCallId.set(session.aCallId, session);
    this.byCallId.set(session.bCallId, session);
    this.write(id, (h) =>
      h.recordStart({
        id,
        startedAt: now.getTime(),
        source: record.source,
        caller,
        callerName,
        decision,
      }),
    );
    boundary.run(() => session.start());
    return session;
  }

  /**
   * The caller's CANCEL (RFC 3261 §9.2). `inviteTx`: the INVITE transaction it matches, from the
   * stack (`findInviteForCancel`). No such transaction: 481; a transaction without a call (it
   * already ended): 200, the CANCEL has no effect.
   */
  handleCancel(cancel: SipRequest, tx: ServerTx, inviteTx: ServerTx | undefined): void {
    const session = this.byCallId.get(getCallId(cancel) ?? '');
    if (inviteTx !== undefined && session !== undefined && session.invite === inviteTx) {
      this.within(session, () => session.cancel(tx));
      return;
    }
    tx.respond(
      inviteTx === undefined
        ? buildReply(cancel, 481, 'Call/Transaction Does Not Exist')
        : buildReply(cancel, 200, 'OK'),
    );
  }

  /**
   * A request with a To tag. False when no call has that dialog: the caller of this method answers
   * 481 (RFC 3261 §12.2.2), or drops an ACK.
   */
  handleInDialog(request: SipRequest, tx: ServerTx | null): boolean {
    const session = this.byCallId.get(getCallId(request) ?? '');
    if (session === undefined) return false;
    let mine = true;
    // A request that made its call fail was the call's all the same: no 481 on top.
    this.within(session, () => (mine = session.receiveRequest(request, tx)));
    return mine;
  }

  /** The history line `session` writes to. */
  private lineOf(session: CallSession): string {
    return this.lines.get(session)?.at(-1) ?? session.id;
  }

  /**
   * How a call's blind transfers are routed (the target as if the original caller called it), and
   * which call an attended transfer's Replaces names.
   */
  private transfers(outsideSip: boolean): TransferRouting {
    return {
      route: (caller, target, by) => {
        const directory = this.options.directory();
        const now = this.clock();
        return routeTransfer(directory, target, by, (to) =>
          route(
            {
              to,
              from: caller,
              states: this.states(directory),
              recentCalls: this.recentCalls(caller, directory, now),
              ...(outsideSip ? { outsideSip: true } : {}),
            },
            directory,
            now,
          ),
        );
      },
      // RFC 3891 §3: the Call-ID leads to the call, which knows its dialogs' tags.
      dialog: (replaces) => this.byCallId.get(replaces.callId)?.namedDialog(replaces) ?? null,
    };
  }

  /** The INVITE's offer cannot be used: answered 488 or 400 with a Warning. */
  private refused(tx: ServerTx, trusted: boolean): boolean {
    return refuseUnusableOffer(tx, trusted, this.options.domain, this.log);
  }

  /** Run `fn` for `session` inside its error boundary. */
  private within(session: CallSession, fn: () => void): void {
    const boundary = this.boundaries.get(session);
    if (boundary === undefined) fn();
    else boundary.run(fn);
  }

  private logError(error: unknown, message: string): void {
    if (this.options.logError !== undefined) this.options.logError(error, message);
    else
      this.log(
        `${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
  }

  /** End every call (shutdown). */
  close(): void {
    for (const session of [...this.sessions]) this.within(session, () => session.terminate());
  }

  /** Resolves when every history write queued so far is done. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  /**
   * The states `route()` reads (it only looks up `states[extension]`), each computed when it is
   * read: building them for the whole directory cost a binding lookup per extension on every
   * INVITE, the top of the SIP benchmark's profile with 10,000 extensions.
   */
  private states(directory: Directory): Record<string, ExtensionState> {
    let inCall: Set<string> | undefined;
    const locator = this.options.locator;
    return new Proxy({} as Record<string, ExtensionState>, {
      get: (_target, number) => {
        if (typeof number !== 'string' || !directory.extensions.has(number)) return undefined;
        if (locator.contactsOf(number).length === 0) return 'offline';
        inCall ??= this.inCall();
        return inCall.has(number) ? 'busy' : undefined;
      },
    });
  }

  /**
   * The caller's calls within the directory's longest repeat window, read from the history only
   * when some exception has a repeat condition and the caller has a number.
   */
  private recentCalls(caller: Caller, directory: Directory, now: Date): PastCall[] {
    const minutes = maxRepeatMinutes(directory);
    const history = this.options.history;
    if (minutes === 0 || caller.kind === 'anonymous' || history.recentCalls === undefined)
      return [];
    return history.recentCalls(callerKey(caller), now.getTime() - minutes * 60_000);
  }

  /** Extensions in a call: the caller of a call in progress, or the party that answered one. */
  private inCall(): Set<string> {
    const inCall = new Set<string>();
    for (const session of this.sessions) {
      // A call that is only releasing its legs no longer occupies anyone.
      if (session.state === 'releasing') continue;
      if (session.caller.kind === 'internal') inCall.add(session.caller.extension);
      const answered = session.answeredLeg;
      if (answered !== null && session.state === 'answered') inCall.add(answered.target);
    }
    return inCall;
  }

  private write(id: string, work: (history: CallHistorySink) => Promise<void>): void {
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => work(this.options.history))
      .catch((error: unknown) => this.log(`call ${id}: history write failed: ${String(error)}`));
    this.writes.set(id, next);
    void next.then(() => {
      if (this.writes.get(id) === next && !this.hasSession(id)) this.writes.delete(id);
    });
  }

  private hasSession(id: string): boolean {
    return this.byId.has(id);
  }

  private forget(session: CallSession): void {
    this.sessions.delete(session);
    for (const line of this.lines.get(session) ?? [session.id]) {
      if (this.byId.get(line) === session) this.byId.delete(line);
    }
    this.lines.delete(session);
    if (this.byCallId.get(session.aCallId) === session) this.byCallId.delete(session.aCallId);
    if (this.byCallId.get(session.bCallId) === session) this.byCallId.delete(session.bCallId);
  }
}
