import { parseOk, wire } from '../helpers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { TransactionLayer } from '../../../src/sip/transaction/index.js';
import type { ClientTransactionUser } from '../../../src/sip/transaction/index.js';
import type {
  Destination,
  MessageTransport,
  SendErrorHandler,
  Source,
  TransportProtocol,
} from '../../../src/sip/transport/index.js';

export interface Sent {
  at: number;
  message: SipMessage;
  to: Destination | Source | undefined;
}

/** Records what the transactions send; `failing` makes every send report an error. */
export class FakeTransport implements MessageTransport {
  readonly sent: Sent[] = [];
  failing: Error | undefined;

  constructor(private readonly scheduler: FakeScheduler) {}

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  sendRequest(request: SipRequest, destination: Destination, onError: SendErrorHandler): void {
    this.record(request, destination, onError);
  }

  sendResponse(response: SipResponse, source: Source | undefined, onError: SendErrorHandler): void {
    this.record(response, source, onError);
  }

  /** Send instants of messages matching `pick`. */
  times(pick: (m: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => pick(s.message)).map((s) => s.at);
  }

  private record(
    message: SipMessage,
    to: Destination | Source | undefined,
    onError: SendErrorHandler,
  ): void {
    this.sent.push({ at: this.scheduler.now(), message, to });
    const failure = this.failing;
    if (failure) queueMicrotask(() => onError(failure));
  }
}

export function setup(timers = {}): {
  clock: FakeScheduler;
  transport: FakeTransport;
  layer: TransactionLayer;
  errors: unknown[];
} {
  const clock = new FakeScheduler();
  const transport = new FakeTransport(clock);
  const errors: unknown[] = [];
  const layer = new TransactionLayer({
    transport,
    scheduler: clock,
    timers,
    onError: (e) => errors.push(e),
  });
  return { clock, transport, layer, errors };
}

export const UDP: Destination = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
export const TCP: Destination = {
  protocol: 'tcp',
  address: '192.0.2.10',
  port: 5060,
  connectionId: 1,
};

export function request(
  method: string,
  options: {
    branch?: string;
    sentBy?: string;
    extra?: string[];
    cseq?: number;
    toTag?: string;
  } = {},
): SipRequest {
  const branch = options.branch ?? 'z9hG4bK-client-1';
  const sentBy = options.sentBy ?? '192.0.2.1:5060';
  const m = parseOk(
    wire([
      `${method} sip:bob@example.com SIP/2.0`,
      `Via: SIP/2.0/UDP ${sentBy};branch=${branch}`,
      'Max-Forwards: 70',
      'Route: <sip:proxy.example.com;lr>',
      'From: Alice <sip:alice@example.com>;tag=a1',
      `To: Bob <sip:bob@example.com>${options.toTag ? `;tag=${options.toTag}` : ''}`,
      'Call-ID: call-1@example.com',
      `CSeq: ${options.cseq ?? 1} ${method}`,
      ...(options.extra ?? []),
    ]),
  );
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

export function response(
  req: SipRequest,
  status: number,
  options: { toTag?: string; method?: string } = {},
): SipResponse {
  const cseq = req.headers.get('CSeq') ?? '';
  const method = options.method;
  const m = parseOk(
    wire([
      `SIP/2.0 ${status} Whatever`,
      ...req.headers.getAll('Via').map((v) => `Via: ${v}`),
      `From: ${req.headers.get('From') ?? ''}`,
      `To: <sip:bob@example.com>${status > 100 ? `;tag=${options.toTag ?? 'b1'}` : ''}`,
      'Call-ID: call-1@example.com',
      `CSeq: ${method ? `${cseq.split(' ')[0] ?? ''} ${method}` : cseq}`,
    ]),
  );
  if (m.kind !== 'response') throw new Error('expected a response');
  return m;
}

export interface Recorder extends ClientTransactionUser {
  responses: SipResponse[];
  timeouts: number[];
  transportErrors: Error[];
}

export function recorder(clock: FakeScheduler): Recorder {
  const r: Recorder = {
    responses: [],
    timeouts: [],
    transportErrors: [],
    onResponse: (res) => r.responses.push(res),
    onTimeout: () => r.timeouts.push(clock.now()),
    onTransportError: (e) => r.transportErrors.push(e),
  };
  return r;
}

export const isRequest =
  (method: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'request' && m.method === method;

export const isStatus =
  (status: number) =>
  (m: SipMessage): boolean =>
    m.kind === 'response' && m.status === status;

export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
