/**
 * Message waiting (RFC 3842 `message-summary` over RFC 6665 SUBSCRIBE/NOTIFY): lights the lamp of
 * a user's phones when a new voicemail is there.
 *
 * - A phone subscribes to its extension's mailbox, authenticated by digest as that extension (the
 *   registrar's Authenticator: 401 and WWW-Authenticate, as a UAS). It gets 200 with the granted
 *   Expires and at once a NOTIFY with the mailbox's state, then one on every change
 *   (`mailboxChanged`), until it unsubscribes (Expires: 0), lets the subscription expire, or
 *   answers a NOTIFY with 481.
 * - Subscriptions live in memory only: phones refresh them well within an hour, and after a
 *   restart the first refresh gets 481, on which the phone subscribes anew (RFC 6665 §4.1.2.2).
 * - Optionally (on by default) a registered contact of the mailbox that has not subscribed gets
 *   an out-of-dialog NOTIFY on each change, which most desk phones (Yealink, Grandstream, Snom,
 *   3CX-provisioned ones) expect from their PBX instead of subscribing.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Headers, createRequest, getTo, parseSipUri, uriUser } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { createUasDialog } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import { buildReply, createTag } from '../../sip/stack.js';
import type { Destination, ServerTransaction, SipStack, Source } from '../../sip/stack.js';
import { formatHost } from '../../sip/transport/via.js';
import { contactUri } from '../../sip/transport/contact.js';
import type { MessageCounts } from '../../store/voicemail-repository.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Binding } from '../registrar/bindings.js';
import { bindingDestination, peerDestination } from '../registrar/peer-destination.js';

export const EVENT_PACKAGE = 'message-summary';
const CONTENT_TYPE = 'application/simple-message-summary';

export interface MwiOptions {
  /** Seconds granted when the SUBSCRIBE has no Expires (RFC 3842 suggests an hour). */
  defaultExpires: number;
  /** Shorter asked durations get 423 (RFC 6665 §4.2.1.1). */
  minExpires: number;
  maxExpires: number;
  /** NOTIFY registered contacts that did not subscribe. */
  unsolicited: boolean;
  /** At most this many subscriptions, all mailboxes together: memory stays bounded. */
  maxSubscriptions: number;
  /**
   * At most this many per mailbox: a phone (or a script with its password) subscribing again
   * and again without ending its subscriptions cannot take everyone's share.
   */
  maxPerMailbox: number;
}

export const DEFAULT_MWI_OPTIONS: MwiOptions = {
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 3600,
  unsolicited: true,
  maxSubscriptions: 10_000,
  maxPerMailbox: 10,
};

export interface MwiDeps {
  stack: SipStack;
  /** The address phones reach this PBX at: our Contact, and the Message-Account's host. */
  host: string;
  authenticator: Authenticator;
  /** Whether a mailbox (an extension) of that number exists now. */
  isMailbox: (mailbox: string) => boolean;
  counts: (mailbox: string) => Promise<MessageCounts>;
  /** The mailbox's registered phones (RegistrarService.contactsOf). */
  contactsOf: (mailbox: string) => readonly Binding[];
  log: Logger;
  clock?: () => number;
  options?: Partial<MwiOptions>;
}

/** RFC 3842 §5.2: the message-summary body, with the voice-message counts new/old. */
export function messageSummary(counts: MessageCounts, account: string): string {
  return [
    `Messages-Waiting: ${counts.newCount > 0 ? 'yes' : 'no'}`,
    `Message-Account: ${account}`,
    `Voice-Message: ${counts.newCount}/${counts.oldCount} (0/0)`,
    '',
  ].join('\r\n');
}

interface Subscription {
  mailbox: string;
  dialog: Dialog;
  destination: Destination;
  /** Epoch ms. */
  expiresAt: number;
  timer: NodeJS.Timeout;
  /** A NOTIFY awaits its answer: the next one waits, so they arrive in order (RFC 6665 §4.2.2). */
  inFlight: boolean;
  /** The mailbox changed while a NOTIFY was in flight: send its state once that one is answered. */
  pending: boolean;
}

function eventPackage(request: SipRequest): string | undefined {
  const value = request.headers.get('Event');
  return value?.split(';')[0]?.trim().toLowerCase();
}

/** RFC 6665 §4.2.1: without Accept, the package's default type; with it, ours must be there. */
function acceptsSummary(request: SipRequest): boolean {
  const accepts = request.headers.getAll('Accept');
  if (accepts.length === 0) return true;
  return accepts
    .flatMap((value) => value.split(','))
    .map((type) => type.split(';')[0]?.trim().toLowerCase())
    .some((type) => type === CONTENT_TYPE || type === 'application/*' || type === '*/*');
}

export class MwiService {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly options: MwiOptions;
  private readonly clock: () => number;
  private closed = false;

  constructor(private readonly deps: MwiDeps) {
    this.options = { ...DEFAULT_MWI_OPTIONS, ...deps.options };
    this.clock = deps.clock ?? Date.now;
  }

  /** Subscriptions alive now. */
  get size(): number {
    return this.subscriptions.size;
  }

  /** NOTIFYs waiting for their answer. */
  get notifying(): number {
    let n = 0;
    for (const s of this.subscriptions.values()) if (s.inFlight) n++;
    return n;
  }

  /** Entry point for every SUBSCRIBE the PBX receives. */
  handle(request: SipRequest, tx: ServerTransaction | null, source: Source): void {
    if (tx === null || this.closed) return;
    if (eventPackage(request) !== EVENT_PACKAGE) {
      // RFC 6665 §4.2.1: an event package we do not serve.
      const response = buildReply(request, 489, 'Bad Event');
      response.headers.append('Allow-Events', EVENT_PACKAGE);
      tx.respond(response);
      return;
    }
    const toTag = getTo(request)?.tag;
    if (toTag !== undefined) {
      this.refresh(request, tx, source);
      return;
    }
    const username = this.deps.authenticator.admit(request, tx, source, 'registrar');
    if (username === null) return;
    const uri = parseSipUri(request.uri);
    const mailbox = uri === null ? undefined : uriUser(uri);
    if (mailbox === undefined || !this.deps.isMailbox(mailbox)) {
      tx.respond(buildReply(request, 404, 'Not Found'));
      return;
    }
    // Only the extension itself learns whether its mailbox holds messages.
    if (mailbox !== username) {
      tx.respond(buildReply(request, 403, 'Forbidden'));
      return;
    }
    if (!acceptsSummary(request)) {
      const response = buildReply(request, 406, 'Not Acceptable');
      response.headers.append('Accept', CONTENT_TYPE);
      tx.respond(response);
      return;
    }
    const expires = this.grantedExpires(request, tx);
    if (expires === null) return;
    if (expires > 0 && this.subscriptions.size >= this.options.maxSubscriptions) {
      const response = buildReply(request, 503, 'Service Unavailable');
      response.headers.append('Retry-After', '300');
      tx.respond(response);
      return;
    }
    if (expires > 0) {
      const mine = [...this.subscriptions.values()].filter((s) => s.mailbox === mailbox);
      if (mine.length >= this.options.maxPerMailbox) {
        // RFC 3261 §21.5.4: full for now; Retry-After says when the first of them expires.
        const first = Math.min(...mine.map((s) => s.expiresAt));
        const response = buildReply(request, 503, 'Too Many Subscriptions For This Mailbox');
        response.headers.append(
          'Retry-After',
          String(Math.max(1, Math.ceil((first - this.clock()) / 1000))),
        );
        tx.respond(response);
        this.deps.log.warn({ mailbox, address: source.address }, 'MWI subscriptions full');
        return;
      }
    }
    const response = this.accept(request, expires, createTag(), source);
    const contact = request.headers.get('Contact');
    let dialog: Dialog;
    try {
      dialog = createUasDialog(request, response, this.localContact(source));
    } catch (error) {
      tx.respond(buildReply(request, 400, `Bad Request (${(error as Error).message})`));
      return;
    }
    tx.respond(response);
    const destination = peerDestination(dialog.remoteTarget, source);
    this.deps.log.info({ mailbox, address: source.address, expires, contact }, 'MWI subscribed');
    if (expires === 0) {
      // RFC 6665 §4.4.3: a fetch gets the state once, in a NOTIFY ending the subscription.
      void this.notifyOnce(mailbox, dialog, destination);
      return;
    }
    const subscription: Subscription = {
      mailbox,
      dialog,
      destination,
      expiresAt: this.clock() + expires * 1000,
      timer: this.expiryTimer(dialog.key, expires),
      inFlight: false,
      pending: false,
    };
    this.subscriptions.set(dialog.key, subscription);
    void this.notify(subscription);
  }

  /**
   * The mailbox's messages changed: every subscriber is told, and, when enabled, every
   * registered phone of that extension that has not subscribed.
   */
  async mailboxChanged(mailbox: string): Promise<void> {
    if (this.closed) return;
    const subscribed: Subscription[] = [];
    for (const s of this.subscriptions.values()) if (s.mailbox === mailbox) subscribed.push(s);
    await Promise.all(subscribed.map((s) => this.notify(s)));
    if (this.options.unsolicited) await this.notifyUnsubscribed(mailbox, subscribed);
  }

  /** Forgets every subscription; nothing is sent. */
  close(): void {
    this.closed = true;
    for (const s of this.subscriptions.values()) clearTimeout(s.timer);
    this.subscriptions.clear();
  }

  /** A SUBSCRIBE in a dialog: a refresh, or Expires: 0 to unsubscribe (RFC 6665 §4.2.1.2). */
  private refresh(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const subscription = [...this.subscriptions.values()].find((s) =>
      s.dialog.matchesRequest(request),
    );
    if (subscription === undefined) {
      // RFC 6665 §4.1.2.2: the subscriber then knows to start a new subscription.
      tx.respond(buildReply(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    const username = this.deps.authenticator.admit(request, tx, source, 'registrar');
    if (username === null) return;
    if (username !== subscription.mailbox) {
      tx.respond(buildReply(request, 403, 'Forbidden'));
      return;
    }
    const check = subscription.dialog.receiveRequest(request);
    if (!check.ok) {
      tx.respond(buildReply(request, check.status, check.reason));
      return;
    }
    const expires = this.grantedExpires(request, tx);
    if (expires === null) return;
    subscription.dialog.refreshTarget(request);
    subscription.destination = peerDestination(subscription.dialog.remoteTarget, source);
    tx.respond(this.accept(request, expires, subscription.dialog.id.localTag, source));
    clearTimeout(subscription.timer);
    if (expires === 0) {
      this.subscriptions.delete(subscription.dialog.key);
      this.deps.log.info({ mailbox: subscription.mailbox }, 'MWI unsubscribed');
      void this.notifyOnce(subscription.mailbox, subscription.dialog, subscription.destination);
      return;
    }
    subscription.expiresAt = this.clock() + expires * 1000;
    subscription.timer = this.expiryTimer(subscription.dialog.key, expires);
    // RFC 6665 §4.2.2: a refreshed subscription gets a NOTIFY at once, like a new one.
    void this.notify(subscription);
  }

  /** Seconds to grant, or null once 423 or 400 has been answered. */
  private grantedExpires(request: SipRequest, tx: ServerTransaction): number | null {
    const header = request.headers.get('Expires');
    if (header === undefined) return this.options.defaultExpires;
    if (!/^\d{1,10}$/.test(header.trim())) {
      tx.respond(buildReply(request, 400, 'Bad Expires'));
      return null;
    }
    const asked = Number(header.trim());
    if (asked === 0) return 0;
    if (asked < this.options.minExpires) {
      const response = buildReply(request, 423, 'Interval Too Brief');
      response.headers.append('Min-Expires', String(this.options.minExpires));
      tx.respond(response);
      return null;
    }
    return Math.min(asked, this.options.maxExpires);
  }

  /** RFC 6665 §4.2.1: 200 with the duration granted, and our Contact for the dialog. */
  private accept(request: SipRequest, expires: number, toTag: string, source: Source): SipResponse {
    const response = buildReply(request, 200, 'OK', toTag);
    response.headers.append('Expires', String(expires));
    response.headers.append('Contact', `<${this.localContact(source)}>`);
    return response;
  }

  private expiryTimer(key: string, seconds: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const subscription = this.subscriptions.get(key);
      if (subscription === undefined) return;
      this.subscriptions.delete(key);
      this.deps.log.info({ mailbox: subscription.mailbox }, 'MWI subscription expired');
      void this.notifyOnce(subscription.mailbox, subscription.dialog, subscription.destination);
    }, seconds * 1000);
    timer.unref();
    return timer;
  }

  /** Sends the mailbox's state to a subscriber, one NOTIFY at a time. */
  private async notify(subscription: Subscription): Promise<void> {
    if (subscription.inFlight) {
      subscription.pending = true;
      return;
    }
    subscription.inFlight = true;
    subscription.pending = false;
    let body: string;
    try {
      body = messageSummary(
        await this.deps.counts(subscription.mailbox),
        this.account(subscription.mailbox),
      );
    } catch (error) {
      subscription.inFlight = false;
      this.deps.log.error({ err: error, mailbox: subscription.mailbox }, 'cannot read the mailbox');
      return;
    }
    if (!this.subscriptions.has(subscription.dialog.key)) {
      subscription.inFlight = false;
      return;
    }
    const remaining = Math.max(0, Math.ceil((subscription.expiresAt - this.clock()) / 1000));
    const request = subscription.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', EVENT_PACKAGE],
        ['Subscription-State', `active;expires=${remaining}`],
      ],
      body: Buffer.from(body),
      contentType: CONTENT_TYPE,
    });
    const done = (ended: boolean, why: string) => {
      subscription.inFlight = false;
      if (ended) {
        // RFC 6665 §4.2.2: a 481, or no answer at all, ends the subscription.
        clearTimeout(subscription.timer);
        this.subscriptions.delete(subscription.dialog.key);
        this.deps.log.info({ mailbox: subscription.mailbox, why }, 'MWI subscription ended');
        return;
      }
      if (subscription.pending) void this.notify(subscription);
    };
    this.send(request, subscription.destination, done);
  }

  /** The last NOTIFY of a subscription: its state, and `terminated` (RFC 6665 §4.2.2). */
  private async notifyOnce(
    mailbox: string,
    dialog: Dialog,
    destination: Destination,
  ): Promise<void> {
    try {
      const body = messageSummary(await this.deps.counts(mailbox), this.account(mailbox));
      const request = dialog.createRequest('NOTIFY', {
        headers: [
          ['Event', EVENT_PACKAGE],
          ['Subscription-State', 'terminated;reason=timeout'],
        ],
        body: Buffer.from(body),
        contentType: CONTENT_TYPE,
      });
      this.send(request, destination, () => undefined);
    } catch (error) {
      this.deps.log.error({ err: error, mailbox }, 'cannot send the final MWI NOTIFY');
    }
  }

  /** Out-of-dialog NOTIFYs to the mailbox's registered phones that have not subscribed. */
  private async notifyUnsubscribed(
    mailbox: string,
    subscribed: readonly Subscription[],
  ): Promise<void> {
    const bindings = this.deps.contactsOf(mailbox);
    if (bindings.length === 0) return;
    const taken = new Set(subscribed.map((s) => destinationKey(s.destination)));
    let body: string;
    try {
      body = messageSummary(await this.deps.counts(mailbox), this.account(mailbox));
    } catch (error) {
      this.deps.log.error({ err: error, mailbox }, 'cannot read the mailbox');
      return;
    }
    for (const binding of bindings) {
      const destination = bindingDestination(binding);
      if (taken.has(destinationKey(destination))) continue;
      taken.add(destinationKey(destination));
      const headers = new Headers();
      headers.append('From', `<${this.account(mailbox)}>;tag=${createTag()}`);
      headers.append('To', `<${this.account(mailbox)}>`);
      headers.append('Call-ID', `${randomBytes(12).toString('hex')}@renvoi`);
      headers.append('CSeq', '1 NOTIFY');
      headers.append('Max-Forwards', '70');
      headers.append('Contact', `<${this.localContact(destination)}>`);
      headers.append('Event', EVENT_PACKAGE);
      // No subscription stands behind this NOTIFY; phones that take unsolicited MWI read it as one.
      headers.append('Subscription-State', 'active');
      headers.append('Content-Type', CONTENT_TYPE);
      const request = createRequest('NOTIFY', binding.contact, headers);
      request.body = Buffer.from(body);
      this.send(request, destination, () => undefined);
    }
  }

  private send(
    request: SipRequest,
    destination: Destination,
    done: (ended: boolean, why: string) => void,
  ): void {
    if (this.closed) {
      done(false, 'closed');
      return;
    }
    try {
      this.deps.stack.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status < 200) return;
          done(response.status === 481, `answered ${response.status}`);
        },
        onTimeout: () => done(true, 'no answer'),
        onTransportError: (error) => done(true, error.message),
      });
    } catch (error) {
      this.deps.log.warn({ err: error, destination }, 'cannot send an MWI NOTIFY');
      done(true, 'cannot send');
    }
  }

  private account(mailbox: string): string {
    return `sip:${mailbox}@${formatHost(this.deps.host)}`;
  }

  private localContact(peer: Destination): string {
    return contactUri(
      this.deps.stack.addressFor(peer.address),
      this.deps.stack.port(peer.protocol),
      peer.protocol,
    );
  }
}

function destinationKey(d: Destination): string {
  return `${d.protocol}|${d.address}|${d.port}|${d.connectionId ?? ''}`;
}
