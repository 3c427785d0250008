import { expect } from 'vitest';
import type { Decision, Step } from '../../../src/domain/types.js';
import { getCSeq, getTo, parseMessage } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { buildReply } from '../../../src/sip/message/reply.js';
import type { Destination, Source } from '../../../src/sip/transport/types.js';
import { CallSession } from '../../../src/pbx/calls/call-session.js';
import type { CallEnd, CallSessionOptions } from '../../../src/pbx/calls/call-core.js';
import { loopbackMedia, testVoice } from './test-voice.js';
import type {
  CallVoice,
  ClientTx,
  Contact,
  Locator,
  ResponseHandlers,
  ServerTx,
  Signaling,
  TrunkDialler,
  TrunkRoute,
} from '../../../src/pbx/calls/ports.js';

export const OFFER =
  'v=0\r\no=caller 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\n';
export const ANSWER =
  'v=0\r\no=callee 2 2 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
export const HOLD =
  'v=0\r\no=caller 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n';
/** A re-INVITE's offer that is no hold: the caller's media moved to another port (RFC 3264 §8.3). */
export const MOVED =
  'v=0\r\no=caller 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 4010 RTP/AVP 0\r\n';
/** The answer to MOVED. */
export const MOVED_ANSWER =
  'v=0\r\no=callee 2 3 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
export const HELD =
  'v=0\r\no=callee 2 3 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=recvonly\r\n';

export const CALLER_SOURCE: Source = { protocol: 'udp', address: '198.51.100.7', port: 5060 };

export function parseRequest(lines: string[], body = ''): SipRequest {
  const head = [...lines, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n');
  const parsed = parseMessage(Buffer.from(`${head}\r\n\r\n${body}`));
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('bad test request');
  return parsed.message;
}

export function callerInvite(options: { body?: string; maxForwards?: number } = {}): SipRequest {
  const body = options.body ?? OFFER;
  return parseRequest(
    [
      'INVITE sip:100@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKcaller1',
      `Max-Forwards: ${options.maxForwards ?? 70}`,
      'From: "Bob Caller" <sip:+33612345678@carrier.test>;tag=atag',
      'To: <sip:100@pbx.test>',
      'Call-ID: call-a@198.51.100.7',
      'CSeq: 10 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
      'Record-Route: <sip:proxy.test;lr>',
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
    ],
    body,
  );
}

export class FakeServerTx implements ServerTx {
  readonly responses: SipResponse[] = [];
  terminated = false;
  user: ServerTx['user'] = {};

  constructor(
    readonly request: SipRequest,
    readonly source: Source = CALLER_SOURCE,
  ) {}

  respond(response: SipResponse): void {
    this.responses.push(response);
  }

  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }

  get last(): SipResponse {
    const r = this.responses.at(-1);
    if (r === undefined) throw new Error('no response');
    return r;
  }
}

export interface AnswerOptions {
  toTag?: string;
  body?: string;
  contact?: string;
  recordRoute?: string[];
  reason?: string;
}

let branches = 0;

export class FakeClientTx implements ClientTx {
  terminated = false;

  constructor(
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly handlers: ResponseHandlers,
  ) {}

  terminate(): void {
    this.terminated = true;
  }

  get method(): string {
    return this.request.method;
  }

  get seq(): number {
    return getCSeq(this.request)?.seq ?? -1;
  }

  /** The far end answers. */
  reply(status: number, options: AnswerOptions = {}): SipResponse {
    const response = buildReply(this.request, status, options.reason ?? 'Reason', options.toTag);
    for (const rr of options.recordRoute ?? []) response.headers.append('Record-Route', rr);
    if (status > 100 && status < 300 && this.request.method === 'INVITE') {
      response.headers.append('Contact', `<${options.contact ?? 'sip:callee@192.0.2.20:5062'}>`);
    }
    if (options.body !== undefined) {
      response.headers.append('Content-Type', 'application/sdp');
      response.body = Buffer.from(options.body);
    }
    this.handlers.onResponse(response);
    return response;
  }

  timeout(): void {
    this.handlers.onTimeout();
  }
}

export class FakeSignaling implements Signaling {
  readonly sent: FakeClientTx[] = [];
  readonly acks: { ack: SipRequest; destination: Destination }[] = [];
  readonly responded: { tx: ServerTx; response: SipResponse }[] = [];

  sendRequest(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx {
    stampVia(request);
    const tx = new FakeClientTx(request, destination, handlers);
    this.sent.push(tx);
    return tx;
  }

  respond(tx: ServerTx, response: SipResponse): void {
    this.responded.push({ tx, response });
    tx.respond(response);
  }

  sendAck(ack: SipRequest, destination: Destination): void {
    stampVia(ack);
    this.acks.push({ ack, destination });
  }

  localContact(): string {
    return 'sip:renvoi@192.0.2.1:5060';
  }

  addressFor(): string {
    return '192.0.2.1';
  }

  requests(method: string, destination?: Destination): FakeClientTx[] {
    return this.sent.filter(
      (tx) =>
        tx.method === method &&
        (destination === undefined || sameDestination(tx.destination, destination)),
    );
  }

  only(method: string, destination?: Destination): FakeClientTx {
    const found = this.requests(method, destination);
    expect(found).toHaveLength(1);
    return found[0] as FakeClientTx;
  }
}

function sameDestination(a: Destination, b: Destination): boolean {
  return a.address === b.address && a.port === b.port && a.protocol === b.protocol;
}

/** What the stack does: a top Via with a new branch when the request has none. */
function stampVia(request: SipRequest): void {
  if (!request.headers.has('Via')) {
    branches++;
    request.headers.prepend('Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfake${branches}`);
  }
}

export function device(n: number): Contact {
  return {
    uri: `sip:phone${n}@192.0.2.${10 + n}:5062`,
    destination: { protocol: 'udp', address: `192.0.2.${10 + n}`, port: 5062 },
  };
}

export class FakeLocator implements Locator {
  constructor(private readonly contacts: Record<string, Contact[]>) {}

  contactsOf(extension: string): Contact[] {
    return this.contacts[extension] ?? [];
  }
}

export class FakeTrunks implements TrunkDialler {
  readonly calls: { number: string; presentation: string }[] = [];

  constructor(private readonly route: TrunkRoute | null) {}

  dial(number: string, presentation: 'caller' | 'anonymous'): TrunkRoute | null {
    this.calls.push({ number, presentation });
    return this.route;
  }
}

export function decisionOf(plan: Step[], to = '100'): Decision {
  return { to, exception: null, action: null, plan, trace: [] };
}

export interface Call {
  session: CallSession;
  sig: FakeSignaling;
  scheduler: FakeScheduler;
  invite: FakeServerTx;
  logs: string[];
  ends: CallEnd[];
  answered: string[];
  released: number;
}

/** The media layer of the calls a test starts without a voice of its own (created on first use). */
let sharedVoice: CallVoice | null = null;

export function defaultVoice(): CallVoice {
  sharedVoice ??= testVoice(loopbackMedia(33800));
  return sharedVoice;
}

export function startCall(
  plan: Step[],
  options: {
    contacts?: Record<string, Contact[]>;
    trunks?: TrunkDialler;
    request?: SipRequest;
    caller?: CallSessionOptions['caller'];
    callerName?: string | null;
    trace?: Decision['trace'];
    /** What the caller dialled (default 100). */
    to?: string;
    voice?: CallSessionOptions['voice'];
    transfers?: CallSessionOptions['transfers'];
  } = {},
): Call {
  const sig = new FakeSignaling();
  const scheduler = new FakeScheduler();
  const invite = new FakeServerTx(options.request ?? callerInvite());
  const call: Omit<Call, 'session'> & { session?: CallSession } = {
    sig,
    scheduler,
    invite,
    logs: [],
    ends: [],
    answered: [],
    released: 0,
  };
  const session = new CallSession({
    id: 'test',
    invite,
    decision: { ...decisionOf(plan, options.to), trace: options.trace ?? [] },
    caller: options.caller ?? { kind: 'external', e164: '+33612345678', digits: '+33612345678' },
    callerName: options.callerName === undefined ? 'Bob Caller' : options.callerName,
    signaling: sig,
    scheduler,
    locator: new FakeLocator(options.contacts ?? {}),
    trunks: options.trunks ?? new FakeTrunks(null),
    domain: 'pbx.test',
    log: (m) => call.logs.push(m),
    voice: options.voice ?? defaultVoice(),
    ...(options.transfers === undefined ? {} : { transfers: options.transfers }),
    events: {
      answered: (_s, by) => call.answered.push(by),
      ended: (_s, end) => call.ends.push(end),
      released: () => call.released++,
    },
  });
  call.session = session;
  session.start();
  return call as Call;
}

/** After every scenario: nothing held, no timer pending, released exactly once. */
export function expectReleased(call: Call): void {
  expect(call.session.state).toBe('ended');
  expect(call.session.holdings()).toEqual({
    serverTransactions: 0,
    clientTransactions: 0,
    timers: 0,
    legs: 0,
    dialogs: 0,
    pendingAcks: 0,
    media: 0,
  });
  expect(call.session.bLegs).toEqual([]);
  expect(call.scheduler.pending).toBe(0);
  expect(call.released).toBe(1);
}

/** Our To tag toward the caller, from the responses it got. */
export function callerTag(call: Call): string {
  const tag = getTo(call.invite.last)?.tag;
  if (tag === undefined) throw new Error('no To tag yet');
  return tag;
}

/** A request from the caller in its dialog with the PBX. */
export function fromCaller(
  call: Call,
  method: string,
  seq: number,
  body = '',
  extra: string[] = [],
): { request: SipRequest; tx: FakeServerTx | null } {
  const request = parseRequest(
    [
      `${method} sip:renvoi@192.0.2.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKc${method}${seq}`,
      'Max-Forwards: 70',
      'From: "Bob Caller" <sip:+33612345678@carrier.test>;tag=atag',
      `To: <sip:100@pbx.test>;tag=${callerTag(call)}`,
      'Call-ID: call-a@198.51.100.7',
      `CSeq: ${seq} ${method}`,
      ...(method === 'INVITE' ? ['Contact: <sip:bob@198.51.100.7:5060>'] : []),
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
      ...extra,
    ],
    body,
  );
  const tx = method === 'ACK' ? null : new FakeServerTx(request);
  expect(call.session.receiveRequest(request, tx)).toBe(true);
  return { request, tx };
}

/** A request from a callee in the dialog its 2xx created (`invite`: our INVITE to it). */
export function fromCallee(
  call: Call,
  invite: FakeClientTx,
  toTag: string,
  method: string,
  seq: number,
  body = '',
  extra: string[] = [],
): { request: SipRequest; tx: FakeServerTx | null } {
  const h = invite.request.headers;
  const request = parseRequest(
    [
      `${method} sip:renvoi@192.0.2.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKb${method}${seq}`,
      'Max-Forwards: 70',
      `From: <sip:100@pbx.test>;tag=${toTag}`,
      `To: ${h.get('From') ?? ''}`,
      `Call-ID: ${h.get('Call-ID') ?? ''}`,
      `CSeq: ${seq} ${method}`,
      ...(method === 'INVITE' ? ['Contact: <sip:callee@192.0.2.20:5062>'] : []),
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
      ...extra,
    ],
    body,
  );
  const tx = method === 'ACK' ? null : new FakeServerTx(request, invite.destination);
  expect(call.session.receiveRequest(request, tx)).toBe(true);
  return { request, tx };
}

export function bodyOf(m: { body: Buffer }): string {
  return m.body.toString('utf8');
}

/** Wait for what the media layer does asynchronously (binding sockets, closing them): at most 1 s. */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}
