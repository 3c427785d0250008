/**
 * A phone made of our own SIP stack for the presence tests: subscribes (answering one digest
 * challenge with the interop tests' passwords, `secret-of-<extension>`) and answers every
 * NOTIFY with `notifyStatus`.
 */
import { Headers, buildReply, createRequest, getTo } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { SipStack } from '../../../src/sip/stack.js';
import type { Destination } from '../../../src/sip/stack.js';
import { answerChallenge } from '../../../src/sip/auth/digest.js';
import { eventually } from '../../interop/harness.js';

const TIMERS = { t1: 10, t2: 40, t4: 50, timerD: 100 };

interface SubscribeOptions {
  target?: string;
  user?: string;
  event?: string | null;
  accept?: string | null;
  expires?: number | null;
  auth?: boolean;
}

/** A phone: subscribes (answering one digest challenge) and answers NOTIFYs with `notifyStatus`. */
export class Phone {
  readonly notifies: SipRequest[] = [];
  notifyStatus = 200;
  private cseq = 0;
  toTag: string | undefined;
  readonly callId = `sub-${Math.random().toString(36).slice(2)}`;

  private constructor(
    readonly stack: SipStack,
    readonly pbx: Destination,
  ) {
    stack.onRequest((request, tx) => {
      if (request.method === 'NOTIFY') this.notifies.push(request);
      tx?.respond(buildReply(request, this.notifyStatus, this.notifyStatus === 200 ? 'OK' : 'No'));
    });
  }

  /** A phone on loopback for the PBX at `port`; `started` keeps its stack for closing. */
  static async start(port: number, started: SipStack[]): Promise<Phone> {
    const stack = new SipStack({ timers: TIMERS, onError: () => undefined });
    await stack.listen({ host: '127.0.0.1', udp: 0 });
    started.push(stack);
    return new Phone(stack, { protocol: 'udp', address: '127.0.0.1', port });
  }

  request(method: string, headers: [string, string][]): Promise<SipResponse> {
    const h = new Headers();
    h.append('From', `<sip:101@127.0.0.1>;tag=${this.callId}`);
    h.append('To', `<sip:201@127.0.0.1>`);
    h.append('Call-ID', `${this.callId}-${method}`);
    h.append('CSeq', `1 ${method}`);
    h.append('Max-Forwards', '70');
    for (const [name, value] of headers) h.append(name, value);
    return this.send(createRequest(method, `sip:201@127.0.0.1:${this.pbx.port}`, h));
  }

  async subscribe(options: SubscribeOptions = {}): Promise<SipResponse> {
    const target = options.target ?? '201';
    const user = options.user ?? '101';
    const uri = `sip:${target}@127.0.0.1:${this.pbx.port}`;
    const make = (authorization?: string) => {
      const h = new Headers();
      h.append('From', `<sip:${user}@127.0.0.1>;tag=phone-${this.callId}`);
      h.append('To', this.toTag === undefined ? `<${uri}>` : `<${uri}>;tag=${this.toTag}`);
      h.append('Call-ID', this.callId);
      h.append('CSeq', `${++this.cseq} SUBSCRIBE`);
      h.append('Max-Forwards', '70');
      h.append('Contact', `<sip:${user}@127.0.0.1:${this.stack.port('udp') ?? 0}>`);
      if (options.event !== null) h.append('Event', options.event ?? 'dialog');
      if (options.accept !== null && options.accept !== undefined)
        h.append('Accept', options.accept);
      if (options.expires !== null) h.append('Expires', String(options.expires ?? 600));
      if (authorization !== undefined) h.append('Authorization', authorization);
      return createRequest('SUBSCRIBE', uri, h);
    };
    let response = await this.send(make());
    if (response.status === 401 && options.auth !== false) {
      const authorization = answerChallenge(response.headers.getAll('WWW-Authenticate'), {
        username: user,
        password: `secret-of-${user}`,
        method: 'SUBSCRIBE',
        uri,
      });
      response = await this.send(make(authorization ?? undefined));
    }
    if (response.status === 200) this.toTag ??= getTo(response)?.tag;
    return response;
  }

  async waitNotifies(n: number): Promise<SipRequest[]> {
    await eventually(() => this.notifies.length >= n, `${n} NOTIFY`, 5000);
    return this.notifies;
  }

  private send(request: SipRequest): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      this.stack.sendRequest(request, this.pbx, {
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onTimeout: () => reject(new Error(`${request.method} timed out`)),
        onTransportError: reject,
      });
    });
  }
}
