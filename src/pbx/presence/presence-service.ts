/**
 * Busy lamps and presence (RFC 6665 SUBSCRIBE/NOTIFY): desk phones subscribe to an extension's
 * `dialog` package (RFC 4235: idle, ringing with the caller, busy) and `presence` package
 * (RFC 3856 with a PIDF body, RFC 3863: the user's status, and on-the-phone).
 *
 * - A SUBSCRIBE is authenticated by digest as an extension, as REGISTER is (401). Any extension
 *   may watch any extension: a receptionist's keys show the whole office. The watched one is the
 *   Request-URI's user: not an extension, 404.
 * - Durations: the package default of an hour when none is asked (RFC 4235 §3.3, RFC 3856
 *   §6.4), 423 below the minimum, shortened to the maximum; Expires: 0 ends it (or, outside a
 *   subscription, fetches the state once: RFC 6665 §4.4.3).
 * - Bounded: at most `maxPerSubscriber` subscriptions made by one extension (a phone with many
 *   keys, both packages, stays well inside) and `maxSubscriptions` in all; beyond, 503 with
 *   Retry-After, nothing created. A refresh of an existing one is always taken.
 * - Subscriptions live in memory: after a restart a refresh gets 481 and the phone subscribes
 *   anew (RFC 6665 §4.1.2.2), as for message waiting.
 */
import type { Logger } from 'pino';
import type { Directory, Status } from '../../domain/types.js';
import { effectiveStatus } from '../../domain/status.js';
import { message } from '../../i18n/index.js';
import { createUasDialog, dialogKey, requestDialogId } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import { buildReply, createTag, getTo, parseSipUri, uriUser } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { ServerTransaction, SipStack, Source } from '../../sip/stack.js';
import type { Scheduler, TimerHandle } from '../../sip/timers.js';
import { contactUri } from '../../sip/transport/contact.js';
import type { Destination } from '../../sip/transport/types.js';
import { formatHost } from '../../sip/transport/via.js';
import { NotifierSubscription } from '../../sip/subscription/notifier-subscription.js';
import type { NotifyContent } from '../../sip/subscription/notifier-subscription.js';
import {
  acceptsType,
  eventPackageOf,
  grantedExpiry,
} from '../../sip/subscription/subscribe-request.js';
import type { ExpiryBounds } from '../../sip/subscription/subscribe-request.js';
import type { Authenticator } from '../security/authenticator.js';
import { peerDestination } from '../registrar/peer-destination.js';
import { signature } from './call-activity.js';
import type { CallActivity } from './call-activity.js';
import { DIALOG_INFO_TYPE, PIDF_TYPE, dialogInfoXml, pidfXml } from './presence-xml.js';
import type { Line } from './presence-xml.js';

export const PRESENCE_PACKAGES = ['dialog', 'presence'] as const;
export type PresencePackage = (typeof PRESENCE_PACKAGES)[number];

const CONTENT_TYPE: Readonly<Record<PresencePackage, string>> = {
  dialog: DIALOG_INFO_TYPE,
  presence: PIDF_TYPE,
};

export interface PresenceOptions extends ExpiryBounds {
  maxSubscriptions: number;
  maxPerSubscriber: number;
  /** How often a status chosen until a time, or scheduled, is read again (ms). */
  statusEveryMs: number;
}

export const DEFAULT_PRESENCE_OPTIONS: PresenceOptions = {
  defaultSeconds: 3600,
  minSeconds: 60,
  maxSeconds: 3600,
  maxSubscriptions: 10_000,
  maxPerSubscriber: 200,
  statusEveryMs: 30_000,
};

export interface PresenceDeps {
  stack: Pick<SipStack, 'sendRequest' | 'port' | 'addressFor'>;
  /** The PBX's name in the entities' URIs (our Contact is the address each phone reaches us at). */
  host: string;
  authenticator: Pick<Authenticator, 'admit'>;
  directory: () => Directory;
  activity: CallActivity;
  scheduler: Scheduler;
  log: Logger;
  clock?: () => Date;
  options?: Partial<PresenceOptions>;
}

interface Watch {
  pkg: PresencePackage;
  /** The extension watched. */
  target: string;
  /** The extension that subscribed. */
  subscriber: string;
  subscription: NotifierSubscription;
  /** RFC 4235 §4.1: counts this subscription's NOTIFYs. */
  version: number;
  /** The lines the last NOTIFY carried: one gone since is sent once as terminated. */
  sent: readonly Line[];
  /** The last presence body sent: an unchanged state is not sent again. */
  lastBody: string | null;
}

export class PresenceService {
  /** By dialog key. */
  private readonly watches = new Map<string, Watch>();
  /** The same, by extension watched and by extension subscribing: no scan of them all. */
  private readonly byTarget = new Map<string, Set<Watch>>();
  private readonly bySubscriber = new Map<string, Set<Watch>>();
  private readonly options: PresenceOptions;
  private readonly clock: () => Date;
  /** Statuses told by the event bus, newer than the directory the PBX holds (reload lag). */
  private readonly told = new Map<string, Status>();
  private readonly stopActivity: () => void;
  /** While presence is watched: statuses that change with time (until, schedule) are read again. */
  private tick: TimerHandle | undefined;

  constructor(private readonly deps: PresenceDeps) {
    this.options = { ...DEFAULT_PRESENCE_OPTIONS, ...deps.options };
    this.clock = deps.clock ?? (() => new Date());
    this.stopActivity = deps.activity.subscribe((changed) => {
      for (const extension of changed) {
        for (const watch of this.byTarget.get(extension) ?? []) this.tell(watch);
      }
    });
    deps.activity.interest(this.byTarget);
  }

  /** Subscriptions alive now. */
  get size(): number {
    return this.watches.size;
  }

  /** NOTIFYs awaiting their answer. */
  get notifying(): number {
    let n = 0;
    for (const w of this.watches.values()) if (w.subscription.notifying) n++;
    return n;
  }

  /** Whether this service serves the SUBSCRIBE's package. */
  serves(request: SipRequest): boolean {
    const pkg = eventPackageOf(request);
    return pkg !== undefined && (PRESENCE_PACKAGES as readonly string[]).includes(pkg);
  }

  /** A user's status changed (web client, API): its presence watchers are told. */
  statusChanged(extension: string, status: Status): void {
    this.told.set(extension, status);
    for (const watch of this.byTarget.get(extension) ?? []) {
      if (watch.pkg === 'presence') this.tell(watch);
    }
  }

  /** The directory was reloaded: it now holds every status told before. */
  directoryChanged(): void {
    this.told.clear();
    const directory = this.deps.directory();
    for (const watch of [...this.watches.values()]) {
      // RFC 6665 §4.2.2: the resource is gone, the subscription with it.
      if (!directory.extensions.has(watch.target)) watch.subscription.terminate('noresource');
      else if (watch.pkg === 'presence') this.tell(watch);
    }
  }

  /** A SUBSCRIBE for `dialog` or `presence` (`serves`). */
  handle(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const pkg = eventPackageOf(request) as PresencePackage;
    if (getTo(request)?.tag !== undefined) {
      this.refresh(request, tx, source);
      return;
    }
    const subscriber = this.deps.authenticator.admit(request, tx, source, 'registrar');
    if (subscriber === null) return;
    const uri = parseSipUri(request.uri);
    const target = uri === null ? undefined : uriUser(uri);
    if (target === undefined || !this.deps.directory().extensions.has(target)) {
      tx.respond(buildReply(request, 404, 'Not Found'));
      return;
    }
    if (!acceptsType(request, CONTENT_TYPE[pkg])) {
      const response = buildReply(request, 406, 'Not Acceptable');
      response.headers.append('Accept', CONTENT_TYPE[pkg]);
      tx.respond(response);
      return;
    }
    const expiry = grantedExpiry(request, this.options);
    if (!expiry.ok) {
      const response = buildReply(request, expiry.status, expiry.reason);
      for (const [name, value] of expiry.headers) response.headers.append(name, value);
      tx.respond(response);
      return;
    }
    if (expiry.seconds > 0 && this.full(request, tx, subscriber, source)) return;
    const response = this.accept(request, expiry.seconds, createTag(), source);
    let dialog: Dialog;
    try {
      dialog = createUasDialog(request, response, this.localContact(source));
    } catch (error) {
      tx.respond(buildReply(request, 400, `Bad Request (${(error as Error).message})`));
      return;
    }
    tx.respond(response);
    const destination = peerDestination(dialog.remoteTarget, source);
    // RFC 6665 §4.4.3: a fetch gets one NOTIFY, which ends it; a subscription lasts 1 s for it.
    const seconds = expiry.seconds === 0 ? 1 : expiry.seconds;
    const watch = this.create(pkg, target, subscriber, dialog, destination, seconds, request);
    this.deps.log.info(
      { pkg, target, subscriber, address: source.address, expires: expiry.seconds },
      'presence subscribed',
    );
    if (expiry.seconds === 0) watch.subscription.terminate('timeout', 'fetched');
    else watch.subscription.notify();
  }

  /**
   * Forgets every subscription; nothing is sent (the stack closes next): after a restart the
   * phones' refreshes get 481 and they subscribe anew.
   */
  close(): void {
    this.stopActivity();
    for (const watch of [...this.watches.values()]) watch.subscription.drop('closing');
    this.watches.clear();
    this.byTarget.clear();
    this.bySubscriber.clear();
    this.deps.scheduler.clear(this.tick);
    this.tick = undefined;
  }

  private create(
    pkg: PresencePackage,
    target: string,
    subscriber: string,
    dialog: Dialog,
    destination: Destination,
    seconds: number,
    request: SipRequest,
  ): Watch {
    // RFC 6665 §8.2.1: the NOTIFY's Event names the package and the SUBSCRIBE's id, if any.
    const id = /;\s*id\s*=\s*([^;\s]+)/i.exec(request.headers.get('Event') ?? '')?.[1];
    const watch: Watch = {
      pkg,
      target,
      subscriber,
      version: 0,
      sent: [],
      lastBody: null,
      subscription: new NotifierSubscription({
        event: id === undefined ? pkg : `${pkg};id=${id}`,
        dialog,
        destination,
        seconds,
        scheduler: this.deps.scheduler,
        sender: this.deps.stack,
        content: () => this.content(watch),
        onEnded: (why) => {
          this.watches.delete(dialog.key);
          unindex(this.byTarget, target, watch);
          unindex(this.bySubscriber, subscriber, watch);
          if (this.watches.size === 0) {
            this.deps.scheduler.clear(this.tick);
            this.tick = undefined;
          }
          this.deps.log.info({ pkg, target, subscriber, why }, 'presence subscription ended');
        },
      }),
    };
    this.watches.set(dialog.key, watch);
    index(this.byTarget, target, watch);
    index(this.bySubscriber, subscriber, watch);
    if (pkg === 'presence') this.armTick();
    return watch;
  }

  /**
   * A status chosen until 14:00 ends by itself, a weekly schedule turns Lunch on: nothing is
   * written then, so the watched statuses are read again now and then (only a change is sent).
   */
  private armTick(): void {
    if (this.tick !== undefined) return;
    this.tick = this.deps.scheduler.setTimer(this.options.statusEveryMs, () => {
      this.tick = undefined;
      const watched = [...this.watches.values()].filter((w) => w.pkg === 'presence');
      for (const watch of watched) this.tell(watch);
      if (watched.length > 0) this.armTick();
    });
  }

  /** Past a bound: 503 with Retry-After answered, true. */
  private full(
    request: SipRequest,
    tx: ServerTransaction,
    subscriber: string,
    source: Source,
  ): boolean {
    if (this.watches.size >= this.options.maxSubscriptions) {
      const response = buildReply(request, 503, 'Service Unavailable');
      response.headers.append('Retry-After', '300');
      tx.respond(response);
      this.deps.log.warn({ subscriber }, 'presence subscriptions full');
      return true;
    }
    const mine = [...(this.bySubscriber.get(subscriber) ?? [])];
    if (mine.length < this.options.maxPerSubscriber) return false;
    // RFC 3261 §21.5.4: full for now; Retry-After says when the first of them expires.
    const now = this.deps.scheduler.now();
    const first = Math.min(...mine.map((w) => w.subscription.expiry));
    const response = buildReply(request, 503, 'Too Many Subscriptions For This Extension');
    response.headers.append('Retry-After', String(Math.max(1, Math.ceil((first - now) / 1000))));
    tx.respond(response);
    this.deps.log.warn(
      { subscriber, address: source.address },
      'presence subscriptions of this extension full',
    );
    return true;
  }

  /** A SUBSCRIBE in a subscription's dialog: refresh, or Expires: 0 to end it. */
  private refresh(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const id = requestDialogId(request);
    const watch = id === null ? undefined : this.watches.get(dialogKey(id));
    if (watch === undefined || watch.pkg !== eventPackageOf(request)) {
      // RFC 6665 §4.1.2.2: the subscriber then knows to start a new subscription.
      tx.respond(buildReply(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    const subscriber = this.deps.authenticator.admit(request, tx, source, 'registrar');
    if (subscriber === null) return;
    if (subscriber !== watch.subscriber) {
      tx.respond(buildReply(request, 403, 'Forbidden'));
      return;
    }
    const dialog = watch.subscription.dialog;
    const check = dialog.receiveRequest(request);
    if (!check.ok) {
      tx.respond(buildReply(request, check.status, check.reason));
      return;
    }
    const expiry = grantedExpiry(request, this.options);
    if (!expiry.ok) {
      const response = buildReply(request, expiry.status, expiry.reason);
      for (const [name, value] of expiry.headers) response.headers.append(name, value);
      tx.respond(response);
      return;
    }
    dialog.refreshTarget(request);
    tx.respond(this.accept(request, expiry.seconds, dialog.id.localTag, source));
    // RFC 6665 §4.2.2: a refreshed subscription gets a NOTIFY at once, with the full state.
    watch.lastBody = null;
    watch.subscription.refresh(expiry.seconds, peerDestination(dialog.remoteTarget, source));
  }

  /** The watched extension changed: a NOTIFY, unless a presence body would say the same. */
  private tell(watch: Watch): void {
    if (watch.pkg === 'presence' && this.presenceBody(watch.target) === watch.lastBody) return;
    if (
      watch.pkg === 'dialog' &&
      signature(this.deps.activity.linesOf(watch.target)) === signature(watch.sent)
    ) {
      return;
    }
    watch.subscription.notify();
  }

  private content(watch: Watch): NotifyContent {
    if (watch.pkg === 'presence') {
      const body = this.presenceBody(watch.target);
      watch.lastBody = body;
      return { contentType: PIDF_TYPE, body };
    }
    const lines = this.deps.activity.linesOf(watch.target);
    const ids = new Set(lines.map((l) => l.id));
    // A dialog that ended since the last NOTIFY is reported once as terminated (RFC 4235 §3.7.1).
    const ended = watch.sent
      .filter((l) => !ids.has(l.id))
      .map((l) => ({ ...l, state: 'terminated' as const }));
    watch.sent = lines;
    const body = dialogInfoXml(this.entity(watch.target), watch.version, [...lines, ...ended]);
    watch.version++;
    return { contentType: DIALOG_INFO_TYPE, body };
  }

  private presenceBody(extension: string): string {
    const directory = this.deps.directory();
    const entry = directory.extensions.get(extension);
    const status =
      this.told.get(extension) ??
      (entry === undefined
        ? 'available'
        : effectiveStatus(entry, directory.settings, this.clock()).status);
    const language = entry?.language ?? directory.settings.language;
    const onThePhone = this.deps.activity
      .linesOf(extension)
      .some((line) => line.state === 'confirmed');
    return pidfXml(this.entity(extension), {
      status,
      note: message(language, `status.${status}`),
      onThePhone,
    });
  }

  /** RFC 6665 §4.2.1: 200 with the duration granted, and our Contact for the dialog. */
  private accept(request: SipRequest, expires: number, toTag: string, source: Source): SipResponse {
    const response = buildReply(request, 200, 'OK', toTag);
    response.headers.append('Expires', String(expires));
    response.headers.append('Contact', `<${this.localContact(source)}>`);
    return response;
  }

  private entity(extension: string): string {
    return `sip:${extension}@${formatHost(this.deps.host)}`;
  }

  /** Our Contact for `peer`: the address it reaches us at (sip/transport/local-address.ts). */
  private localContact(peer: Destination): string {
    return contactUri(
      this.deps.stack.addressFor(peer.address),
      this.deps.stack.port(peer.protocol),
      peer.protocol,
    );
  }
}

function index(map: Map<string, Set<Watch>>, key: string, watch: Watch): void {
  const set = map.get(key) ?? new Set<Watch>();
  set.add(watch);
  map.set(key, set);
}

function unindex(map: Map<string, Set<Watch>>, key: string, watch: Watch): void {
  const set = map.get(key);
  set?.delete(watch);
  if (set?.size === 0) map.delete(key);
}
