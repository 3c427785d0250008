/**
 * SIP dialogs (RFC 3261 §12): the state two UAs share between an INVITE and its BYE, and what
 * every in-dialog request is built from. A dialog is created from a request and a response that
 * carries a To tag, on either side; it is `early` while that response is provisional, `confirmed`
 * once it is a 2xx, and `terminated` after a BYE or a failure. Any other move throws.
 *
 * Decisions:
 * - The local sequence number of a UAS dialog starts at 1 when its first request is built: RFC 3261
 *   §12.1.1 leaves it empty and lets the UA choose.
 * - A request whose CSeq is not above the remote sequence number is out of order (500, §12.2.2).
 *   RFC 3261 names only "lower", but an equal number on a new transaction cannot be a new request
 *   either: a retransmission is absorbed by its server transaction before it reaches the dialog.
 * - The remote target changes only when the caller says so (`refreshTarget`), so that a re-INVITE
 *   that fails leaves it unchanged (RFC 6141 §3.4).
 * - Requests built here carry no Via: the transport stamps one with a new branch (RFC 3261 §8.1.1.7),
 *   which is also what makes the ACK for a 2xx a transaction of its own (§13.2.2.4).
 */
import {
  Headers,
  createRequest,
  formatNameAddr,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getRecordRoutes,
  getTo,
  parseSipUri,
  formatUri,
} from '../message/index.js';
import type { NameAddr, SipMessage, SipRequest, SipResponse } from '../message/index.js';
import { StateMachine } from '../../shared/state-machine.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

const TRANSITIONS: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

export type DialogRole = 'uac' | 'uas';

/** RFC 3261 §12: Call-ID, local tag and remote tag identify a dialog. */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** A request or response that cannot make or feed a dialog. */
export class DialogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialogError';
  }
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

/** The dialog an incoming request belongs to, seen by its receiver (RFC 3261 §12.2.2). */
export function requestDialogId(request: SipRequest): DialogId | null {
  const callId = getCallId(request);
  const localTag = getTo(request)?.tag;
  const remoteTag = getFrom(request)?.tag;
  if (callId === null || localTag === undefined || remoteTag === undefined) return null;
  return { callId, localTag, remoteTag };
}

/** The dialog a response belongs to, seen by the UAC that sent the request (RFC 3261 §12.1.2). */
export function responseDialogId(response: SipResponse): DialogId | null {
  const callId = getCallId(response);
  const localTag = getFrom(response)?.tag;
  const remoteTag = getTo(response)?.tag;
  if (callId === null || localTag === undefined || remoteTag === undefined) return null;
  return { callId, localTag, remoteTag };
}

/** RFC 3261 §12.2.2 outcome for a request received in a dialog. */
export type InDialogCheck = { ok: true } | { ok: false; status: 500; reason: string };

export interface InDialogRequestOptions {
  body?: Buffer;
  contentType?: string;
  /** Default 70 (RFC 3261 §8.1.1.6). */
  maxForwards?: number;
  /** Extra header fields, appended in order. */
  headers?: readonly (readonly [string, string])[];
}

export interface DialogInit {
  role: DialogRole;
  id: DialogId;
  state: 'early' | 'confirmed';
  local: NameAddr;
  remote: NameAddr;
  localSeq: number | null;
  remoteSeq: number | null;
  remoteTarget: string;
  routeSet: string[];
  secure: boolean;
  localContact: string;
}

// RFC 3261 §12.1.1 / §12.1.2: only 101-199 and 2xx responses with a To tag create a dialog.
function establishing(response: SipResponse): boolean {
  return response.status > 100 && response.status < 300;
}

function contactUri(m: SipMessage): string | null {
  const first = getContacts(m)?.[0];
  return first === undefined || first === '*' ? null : first.uri;
}

function routeValues(m: SipMessage): string[] {
  const rr = getRecordRoutes(m);
  if (rr === null) throw new DialogError('malformed Record-Route');
  return rr.map(formatNameAddr);
}

function withoutParams(na: NameAddr): NameAddr {
  const out: NameAddr = { uri: na.uri, params: new Map() };
  if (na.displayName !== undefined) out.displayName = na.displayName;
  return out;
}

function isSecure(request: SipRequest): boolean {
  // RFC 3261 §12.1.1: a sips Request-URI arriving over TLS makes the dialog secure.
  return request.uri.toLowerCase().startsWith('sips:');
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new DialogError(`missing or malformed ${what}`);
  return value;
}

/**
 * RFC 3261 §12.1.1: the UAS side, from the request and the response it sends with its To tag.
 * Route set: the request's Record-Route in order; remote target: the request's Contact; remote
 * sequence number: the request's CSeq.
 */
export function createUasDialog(
  request: SipRequest,
  response: SipResponse,
  localContact: string,
): Dialog {
  if (!establishing(response)) {
    throw new DialogError(`a ${response.status} response does not create a dialog`);
  }
  const from = required(getFrom(request), 'From');
  const to = required(getTo(response), 'To');
  return new Dialog({
    role: 'uas',
    id: {
      callId: required(getCallId(request), 'Call-ID'),
      localTag: required(to.tag, 'To tag'),
      remoteTag: required(from.tag, 'From tag'),
    },
    state: response.status < 200 ? 'early' : 'confirmed',
    local: withoutParams(to),
    remote: withoutParams(from),
    localSeq: null,
    remoteSeq: required(getCSeq(request), 'CSeq').seq,
    remoteTarget: required(contactUri(request), 'Contact'),
    routeSet: routeValues(request),
    secure: isSecure(request),
    localContact,
  });
}

/**
 * RFC 3261 §12.1.2: the UAC side, from the request it sent and a response with a To tag. Route
 * set: the response's Record-Route in reverse order; remote target: the response's Contact; local
 * sequence number: the request's CSeq. A provisional response without Contact gives an early
 * dialog whose remote target is still the Request-URI, until a response brings one.
 */
export function createUacDialog(
  request: SipRequest,
  response: SipResponse,
  localContact: string,
): Dialog {
  if (!establishing(response)) {
    throw new DialogError(`a ${response.status} response does not create a dialog`);
  }
  const from = required(getFrom(request), 'From');
  const to = required(getTo(response), 'To');
  const contact = contactUri(response);
  if (contact === null && response.status >= 200) throw new DialogError('2xx without Contact');
  return new Dialog({
    role: 'uac',
    id: {
      callId: required(getCallId(request), 'Call-ID'),
      localTag: required(from.tag, 'From tag'),
      remoteTag: required(to.tag, 'To tag'),
    },
    state: response.status < 200 ? 'early' : 'confirmed',
    local: withoutParams(from),
    remote: withoutParams(to),
    localSeq: required(getCSeq(request), 'CSeq').seq,
    remoteSeq: null,
    remoteTarget: contact ?? request.uri,
    routeSet: routeValues(response).reverse(),
    secure: isSecure(request),
    localContact,
  });
}

export class Dialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  readonly key: string;
  readonly secure: boolean;
  /** Our Contact, put in target refresh requests. */
  readonly localContact: string;
  private readonly fsm: StateMachine<DialogState>;
  private readonly local: NameAddr;
  private readonly remote: NameAddr;
  private localSeqValue: number | null;
  private remoteSeqValue: number | null;
  private target: string;
  private routes: string[];

  constructor(init: DialogInit) {
    this.role = init.role;
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.secure = init.secure;
    this.localContact = init.localContact;
    this.fsm = new StateMachine<DialogState>('dialog', init.state, TRANSITIONS);
    this.local = init.local;
    this.remote = init.remote;
    this.localSeqValue = init.localSeq;
    this.remoteSeqValue = init.remoteSeq;
    this.target = init.remoteTarget;
    this.routes = init.routeSet;
  }

  get state(): DialogState {
    return this.fsm.state;
  }

  get localSeq(): number | null {
    return this.localSeqValue;
  }

  get remoteSeq(): number | null {
    return this.remoteSeqValue;
  }

  get remoteTarget(): string {
    return this.target;
  }

  get routeSet(): readonly string[] {
    return this.routes;
  }

  /** Everything that builds this dialog's requests, as plain data (dialog-snapshot.ts). */
  init(): DialogInit {
    if (this.state === 'terminated') throw new DialogError('a terminated dialog has no state');
    return {
      role: this.role,
      id: this.id,
      state: this.state,
      local: this.local,
      remote: this.remote,
      localSeq: this.localSeqValue,
      remoteSeq: this.remoteSeqValue,
      remoteTarget: this.target,
      routeSet: [...this.routes],
      secure: this.secure,
      localContact: this.localContact,
    };
  }

  /** Early -> confirmed: a 2xx was sent (UAS) or received (UAC). */
  confirm(): void {
    this.fsm.transition('confirmed');
  }

  terminate(): void {
    this.fsm.transition('terminated');
  }

  /** The request belongs to this dialog, seen as its receiver: Call-ID, To tag = local, From tag = remote. */
  matchesRequest(request: SipRequest): boolean {
    const id = requestDialogId(request);
    return id !== null && dialogKey(id) === this.key;
  }

  /** A response to a request this UA sent in the dialog (or to the INVITE that made it). */
  matchesResponse(response: SipResponse): boolean {
    const id = responseDialogId(response);
    return id !== null && dialogKey(id) === this.key;
  }

  /**
   * RFC 3261 §12.2.2: a request received in this dialog. ACK and CANCEL carry the CSeq of the
   * INVITE they belong to and are not ordered; anything else below or at the remote sequence
   * number gets 500, and a higher one becomes the new remote sequence number.
   */
  receiveRequest(request: SipRequest): InDialogCheck {
    if (this.state === 'terminated') throw new DialogError('request on a terminated dialog');
    if (request.method === 'ACK' || request.method === 'CANCEL') return { ok: true };
    const seq = required(getCSeq(request), 'CSeq').seq;
    if (this.remoteSeqValue !== null && seq <= this.remoteSeqValue) {
      return { ok: false, status: 500, reason: 'Out of Order CSeq' };
    }
    this.remoteSeqValue = seq;
    return { ok: true };
  }

  /**
   * A target refresh succeeded (RFC 3261 §12.2.1.2, §12.2.2): the Contact of the re-INVITE or
   * UPDATE we accepted, or of the 2xx to ours, becomes the remote target.
   */
  refreshTarget(message: SipMessage): void {
    const contact = contactUri(message);
    if (contact !== null) this.target = contact;
  }

  /**
   * UAC only: a response to the dialog-creating INVITE. RFC 3261 §13.2.2.4: a 2xx confirms an
   * early dialog and the route set is recomputed from it (§12.2.1.2); every such response with a
   * Contact updates the remote target.
   */
  receiveInviteResponse(response: SipResponse): void {
    if (this.role !== 'uac') throw new DialogError('only a UAC dialog receives INVITE responses');
    if (!this.matchesResponse(response)) throw new DialogError('response of another dialog');
    if (response.status >= 200 && response.status < 300 && this.state === 'early') {
      this.routes = routeValues(response).reverse();
      this.confirm();
    }
    this.refreshTarget(response);
  }

  /**
   * RFC 3261 §12.2.1.1: a new request in the dialog. The CSeq is the local sequence number plus
   * one; ACK and CANCEL are not built here (see `createAck`, and §9.1 for CANCEL).
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') {
      throw new DialogError(`${method} is not a new request of the dialog`);
    }
    if (this.state === 'terminated') throw new DialogError('request on a terminated dialog');
    this.localSeqValue = (this.localSeqValue ?? 0) + 1;
    return this.build(method, this.localSeqValue, options);
  }

  /**
   * RFC 3261 §13.2.2.4: the ACK for a 2xx is built by the UAC core like any in-dialog request,
   * with the CSeq number of the INVITE it acknowledges and method ACK; it goes in a transaction of
   * its own, so with a new branch (stamped by the transport).
   */
  createAck(inviteSeq: number, options: InDialogRequestOptions = {}): SipRequest {
    if (this.state === 'terminated') throw new DialogError('ACK on a terminated dialog');
    return this.build('ACK', inviteSeq, options);
  }

  private build(method: string, seq: number, options: InDialogRequestOptions): SipRequest {
    const h = new Headers();
    const { uri, routes } = this.routing();
    h.append('Max-Forwards', String(options.maxForwards ?? 70));
    for (const route of routes) h.append('Route', route);
    h.append('From', this.party(this.local, this.id.localTag));
    h.append('To', this.party(this.remote, this.id.remoteTag));
    h.append('Call-ID', this.id.callId);
    h.append('CSeq', `${seq} ${method}`);
    // RFC 3261 §12.2.1.1: target refresh requests carry our Contact (§8.1.1.8 for INVITE).
    if (isTargetRefresh(method)) h.append('Contact', `<${this.localContact}>`);
    for (const [name, value] of options.headers ?? []) h.append(name, value);
    const request = createRequest(method, uri, h);
    if (options.body !== undefined && options.body.length > 0) {
      h.append('Content-Type', options.contentType ?? 'application/sdp');
      request.body = options.body;
    }
    return request;
  }

  private party(na: NameAddr, tag: string): string {
    return formatNameAddr({ ...na, params: new Map([['tag', tag]]) });
  }

  /**
   * RFC 3261 §12.2.1.1: with an empty route set or a loose router (`lr`) first, the Request-URI is
   * the remote target and the Route headers are the route set; with a strict router first, the
   * Request-URI is that router's URI and the remote target goes last in the Route headers.
   */
  private routing(): { uri: string; routes: string[] } {
    const first = this.routes[0];
    if (first === undefined) return { uri: this.target, routes: [] };
    const firstUri = parseSipUri(routeUri(first));
    if (firstUri === null || firstUri.params.has('lr')) {
      return { uri: this.target, routes: [...this.routes] };
    }
    // A Request-URI may not carry URI headers (RFC 3261 §19.1.1 table): strip them.
    firstUri.headers.clear();
    return { uri: formatUri(firstUri), routes: [...this.routes.slice(1), `<${this.target}>`] };
  }
}

function routeUri(route: string): string {
  const lt = route.indexOf('<');
  const gt = route.indexOf('>', lt);
  return lt >= 0 && gt > lt ? route.slice(lt + 1, gt) : route;
}

/** RFC 3261 §12.2, RFC 3311 §5.1, RFC 6665 §4.1.3: methods that may change the remote target. */
export function isTargetRefresh(method: string): boolean {
  return (
    method === 'INVITE' ||
    method === 'UPDATE' ||
    method === 'SUBSCRIBE' ||
    method === 'NOTIFY' ||
    method === 'REFER'
  );
}
