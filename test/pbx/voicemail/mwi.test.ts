import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Headers, createRequest, getCSeq, getTo } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { SipStack, buildReply } from '../../../src/sip/stack.js';
import type { Destination } from '../../../src/sip/stack.js';
import { DigestServer, answerChallenge, ha1 } from '../../../src/sip/auth/digest.js';
import { AuthGuard } from '../../../src/pbx/security/auth-guard.js';
import { Authenticator } from '../../../src/pbx/security/authenticator.js';
import type { Binding } from '../../../src/pbx/registrar/bindings.js';
import type { MessageCounts } from '../../../src/store/voicemail-repository.js';
import { MwiService, messageSummary } from '../../../src/pbx/voicemail/mwi.js';
import { peerDestination } from '../../../src/pbx/registrar/peer-destination.js';
import type { MwiOptions } from '../../../src/pbx/voicemail/mwi.js';

const TIMERS = { t1: 10, t2: 40, t4: 50, timerD: 100 };
const PASSWORDS: Record<string, string> = { '101': 'secret-101', '102': 'secret-102' };
const log = pino({ level: 'silent' });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listening(): Promise<SipStack> {
  const stack = new SipStack({ timers: TIMERS, onError: () => undefined });
  await stack.listen({ host: '127.0.0.1', udp: 0 });
  cleanups.push(() => stack.close());
  return stack;
}

interface Pbx {
  mwi: MwiService;
  counts: Map<string, MessageCounts>;
  bindings: Map<string, Binding[]>;
  at: Destination;
}

async function startPbx(options: Partial<MwiOptions> = {}): Promise<Pbx> {
  const stack = await listening();
  const counts = new Map<string, MessageCounts>();
  const bindings = new Map<string, Binding[]>();
  const authenticator = new Authenticator({
    digest: new DigestServer({ realm: 'renvoi', secret: Buffer.alloc(32, 7), algorithms: ['MD5'] }),
    guard: new AuthGuard(),
    ha1: (user, algorithm) => {
      const password = PASSWORDS[user];
      return password === undefined ? null : ha1(algorithm, user, 'renvoi', password);
    },
    log,
    clock: Date.now,
  });
  const mwi = new MwiService({
    stack,
    host: '127.0.0.1',
    authenticator,
    isMailbox: (n) => n in PASSWORDS,
    counts: (m) => Promise.resolve(counts.get(m) ?? { newCount: 0, oldCount: 0 }),
    contactsOf: (m) => bindings.get(m) ?? [],
    log,
    options,
  });
  cleanups.push(() => mwi.close());
  stack.onRequest((request, tx, source) => {
    if (request.method === 'SUBSCRIBE') mwi.handle(request, tx, source);
    else tx?.respond(buildReply(request, 405, 'Method Not Allowed'));
  });
  return {
    mwi,
    counts,
    bindings,
    at: { protocol: 'udp', address: '127.0.0.1', port: stack.port('udp') ?? 0 },
  };
}

/** A phone: subscribes, and answers every NOTIFY with `notifyStatus`. */
class Phone {
  readonly notifies: SipRequest[] = [];
  notifyStatus = 200;
  private cseq = 0;
  /** The dialog's PBX tag, once a 200 gave one. */
  toTag: string | undefined;
  readonly callId = `sub-${Math.random().toString(36).slice(2)}`;

  constructor(
    readonly stack: SipStack,
    readonly pbx: Pbx,
  ) {
    stack.onRequest((request, tx) => {
      if (request.method === 'NOTIFY') this.notifies.push(request);
      tx?.respond(
        buildReply(request, this.notifyStatus, this.notifyStatus === 200 ? 'OK' : 'Gone'),
      );
    });
  }

  get port(): number {
    return this.stack.port('udp') ?? 0;
  }

  static async start(pbx: Pbx): Promise<Phone> {
    return new Phone(await listening(), pbx);
  }

  /** SUBSCRIBE (in the dialog once one exists), answering one digest challenge. */
  async subscribe(
    options: {
      mailbox?: string;
      user?: string;
      expires?: number | null;
      event?: string;
      auth?: boolean;
    } = {},
  ): Promise<SipResponse> {
    const mailbox = options.mailbox ?? '101';
    const user = options.user ?? mailbox;
    const uri = `sip:${mailbox}@127.0.0.1:${this.pbx.at.port}`;
    const send = (authorization?: string) => {
      const h = new Headers();
      h.append('From', `<sip:${user}@127.0.0.1>;tag=phone-${this.callId}`);
      h.append('To', this.toTag === undefined ? `<${uri}>` : `<${uri}>;tag=${this.toTag}`);
      h.append('Call-ID', this.callId);
      h.append('CSeq', `${++this.cseq} SUBSCRIBE`);
      h.append('Max-Forwards', '70');
      h.append('Contact', `<sip:${user}@127.0.0.1:${this.port}>`);
      h.append('Event', options.event ?? 'message-summary');
      h.append('Accept', 'application/simple-message-summary');
      if (options.expires !== null) h.append('Expires', String(options.expires ?? 600));
      if (authorization !== undefined) h.append('Authorization', authorization);
      return new Promise<SipResponse>((resolve, reject) => {
        this.stack.sendRequest(createRequest('SUBSCRIBE', uri, h), this.pbx.at, {
          onResponse: (r) => {
            if (r.status >= 200) resolve(r);
          },
          onTimeout: () => reject(new Error('SUBSCRIBE timed out')),
          onTransportError: reject,
        });
      });
    };
    let response = await send();
    if (response.status === 401 && options.auth !== false) {
      const authorization = answerChallenge(response.headers.getAll('WWW-Authenticate'), {
        username: user,
        password: PASSWORDS[user] ?? 'wrong',
        method: 'SUBSCRIBE',
        uri,
      });
      response = await send(authorization ?? undefined);
    }
    if (response.status === 200) this.toTag ??= getTo(response)?.tag;
    return response;
  }

  async waitNotifies(n: number): Promise<SipRequest[]> {
    const deadline = Date.now() + 3000;
    while (this.notifies.length < n) {
      if (Date.now() > deadline)
        throw new Error(`expected ${n} NOTIFY, got ${this.notifies.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.notifies;
  }
}

const body = (r: SipRequest | undefined) => r?.body.toString('utf8') ?? '';

async function settle(pbx: Pbx): Promise<void> {
  const deadline = Date.now() + 3000;
  while (pbx.mwi.notifying > 0) {
    if (Date.now() > deadline) throw new Error('NOTIFYs still unanswered');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('message-summary body', () => {
  it('says whether messages wait, and the new/old voice-message counts (RFC 3842 §5.2)', () => {
    expect(messageSummary({ newCount: 2, oldCount: 5 }, 'sip:101@pbx')).toBe(
      'Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx\r\nVoice-Message: 2/5 (0/0)\r\n',
    );
    expect(messageSummary({ newCount: 0, oldCount: 3 }, 'sip:101@pbx')).toMatch(
      /^Messages-Waiting: no\r\n.*Voice-Message: 0\/3 /s,
    );
  });

  it('sends requests where a NATed peer can be reached', () => {
    const source = { protocol: 'udp' as const, address: '10.0.0.5', port: 40000 };
    expect(peerDestination('sip:101@10.0.0.5:5062', source)).toEqual({ ...source, port: 5062 });
    expect(peerDestination('sip:101@192.168.1.9:5060', source)).toEqual(source);
    const tcp = { protocol: 'tcp' as const, address: '10.0.0.5', port: 40000, connectionId: 3 };
    // A stored connection id may name another connection after a restart: found by address.
    expect(peerDestination('sip:101@10.0.0.5:5062;transport=tcp', tcp)).toEqual({
      protocol: 'tcp',
      address: '10.0.0.5',
      port: 40000,
    });
  });
});

describe('MWI subscriptions on loopback', () => {
  it('subscribes with digest, notifies at once, on every change, and on unsubscribe', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    const ok = await phone.subscribe({ expires: 600 });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Expires')).toBe('600');
    expect(ok.headers.get('Contact')).toMatch(/^<sip:renvoi@127\.0\.0\.1:\d+>$/);
    const [first] = await phone.waitNotifies(1);
    expect(first?.headers.get('Event')).toBe('message-summary');
    expect(first?.headers.get('Content-Type')).toBe('application/simple-message-summary');
    expect(first?.headers.get('Subscription-State')).toMatch(/^active;expires=(600|599)$/);
    expect(body(first)).toContain('Messages-Waiting: no');
    expect(body(first)).toContain(`Message-Account: sip:101@127.0.0.1`);
    // In the dialog the 200 made: its Call-ID and tags, swapped.
    expect(first?.headers.get('Call-ID')).toBe(phone.callId);
    expect(getTo(first as SipRequest)?.tag).toBe(`phone-${phone.callId}`);
    await settle(pbx);

    pbx.counts.set('101', { newCount: 1, oldCount: 0 });
    await pbx.mwi.mailboxChanged('101');
    const second = (await phone.waitNotifies(2))[1];
    expect(body(second)).toContain('Messages-Waiting: yes');
    expect(body(second)).toContain('Voice-Message: 1/0 (0/0)');
    await settle(pbx);

    pbx.counts.set('101', { newCount: 0, oldCount: 0 });
    await pbx.mwi.mailboxChanged('102');
    await pbx.mwi.mailboxChanged('101');
    const third = (await phone.waitNotifies(3))[2];
    expect(body(third)).toContain('Messages-Waiting: no');
    await settle(pbx);

    const bye = await phone.subscribe({ expires: 0 });
    expect(bye.status).toBe(200);
    expect(bye.headers.get('Expires')).toBe('0');
    const last = (await phone.waitNotifies(4))[3];
    expect(last?.headers.get('Subscription-State')).toBe('terminated;reason=timeout');
    expect(pbx.mwi.size).toBe(0);
    const seqs = phone.notifies.map((n) => getCSeq(n)?.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(4);
  });

  it('bounds subscriptions per mailbox with 503 and the wait until the first expires', async () => {
    const pbx = await startPbx({ maxPerMailbox: 3 });
    const phones = await Promise.all([1, 2, 3, 4].map(() => Phone.start(pbx)));
    for (const phone of phones.slice(0, 3)) {
      expect((await phone.subscribe({ expires: 600 })).status).toBe(200);
    }
    const full = await phones[3]?.subscribe({ expires: 600 });
    expect(full?.status).toBe(503);
    expect(full?.reason).toBe('Too Many Subscriptions For This Mailbox');
    expect(Number(full?.headers.get('Retry-After'))).toBeGreaterThanOrEqual(598);
    expect(Number(full?.headers.get('Retry-After'))).toBeLessThanOrEqual(600);
    expect(pbx.mwi.size).toBe(3);
    // Another mailbox is not affected, and an unsubscribe makes room.
    const other = await Phone.start(pbx);
    expect((await other.subscribe({ mailbox: '102' })).status).toBe(200);
    expect((await phones[0]?.subscribe({ expires: 0 }))?.status).toBe(200);
    expect((await phones[3]?.subscribe({ expires: 600 }))?.status).toBe(200);
    await settle(pbx);
  });

  it('refreshes a subscription in its dialog and notifies again', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    await phone.subscribe({ expires: 600 });
    await phone.waitNotifies(1);
    await settle(pbx);
    const refreshed = await phone.subscribe({ expires: 7200 });
    expect(refreshed.status).toBe(200);
    // Capped at the longest duration granted.
    expect(refreshed.headers.get('Expires')).toBe('3600');
    await phone.waitNotifies(2);
    expect(pbx.mwi.size).toBe(1);
  });

  it('grants an hour when no Expires is given, refuses too short a one with 423', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    const short = await phone.subscribe({ expires: 10 });
    expect(short.status).toBe(423);
    expect(short.headers.get('Min-Expires')).toBe('60');
    const none = await phone.subscribe({ expires: null });
    expect(none.headers.get('Expires')).toBe('3600');
  });

  it('answers 489 with Allow-Events to another event package', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    const r = await phone.subscribe({ event: 'presence' });
    expect(r.status).toBe(489);
    expect(r.headers.get('Allow-Events')).toBe('message-summary');
  });

  it('challenges, then refuses another extension’s mailbox and an unknown one', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    expect((await phone.subscribe({ auth: false })).status).toBe(401);
    expect((await phone.subscribe({ mailbox: '101', user: '102' })).status).toBe(403);
    expect((await phone.subscribe({ mailbox: '109', user: '101' })).status).toBe(404);
    expect(pbx.mwi.size).toBe(0);
    expect(phone.notifies).toEqual([]);
  });

  it('answers 481 to a refresh of a subscription it does not know (after a restart)', async () => {
    const first = await startPbx();
    const phone = await Phone.start(first);
    await phone.subscribe();
    await phone.waitNotifies(1);
    first.mwi.close();
    const again = await startPbx();
    const moved = new Phone(phone.stack, again);
    moved.toTag = phone.toTag;
    const r = await moved.subscribe();
    expect(r.status).toBe(481);
  });

  it('ends a subscription whose NOTIFY gets 481', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    await phone.subscribe();
    await phone.waitNotifies(1);
    await settle(pbx);
    phone.notifyStatus = 481;
    await pbx.mwi.mailboxChanged('101');
    await phone.waitNotifies(2);
    await settle(pbx);
    expect(pbx.mwi.size).toBe(0);
  });

  it('sends one NOTIFY at a time, the last one with the latest state', async () => {
    const pbx = await startPbx();
    const phone = await Phone.start(pbx);
    await phone.subscribe();
    await phone.waitNotifies(1);
    await settle(pbx);
    for (let n = 1; n <= 5; n++) {
      pbx.counts.set('101', { newCount: n, oldCount: 0 });
      await pbx.mwi.mailboxChanged('101');
    }
    await settle(pbx);
    await new Promise((r) => setTimeout(r, 50));
    await settle(pbx);
    expect(phone.notifies.length).toBeLessThanOrEqual(6);
    expect(body(phone.notifies.at(-1))).toContain('Voice-Message: 5/0');
  });

  it('ends an expired subscription with a terminated NOTIFY', async () => {
    const pbx = await startPbx({ minExpires: 1 });
    const phone = await Phone.start(pbx);
    await phone.subscribe({ expires: 1 });
    const notifies = await phone.waitNotifies(2);
    expect(notifies[1]?.headers.get('Subscription-State')).toBe('terminated;reason=timeout');
    expect(pbx.mwi.size).toBe(0);
  });

  it('answers a fetch (Expires: 0 at once) with one terminated NOTIFY', async () => {
    const pbx = await startPbx();
    pbx.counts.set('101', { newCount: 3, oldCount: 1 });
    const phone = await Phone.start(pbx);
    expect((await phone.subscribe({ expires: 0 })).status).toBe(200);
    const [only] = await phone.waitNotifies(1);
    expect(only?.headers.get('Subscription-State')).toBe('terminated;reason=timeout');
    expect(body(only)).toContain('Voice-Message: 3/1');
    expect(pbx.mwi.size).toBe(0);
  });
});

describe('unsolicited NOTIFY to registered phones', () => {
  function binding(aor: string, port: number): Binding {
    return {
      aor,
      contact: `sip:${aor}@127.0.0.1:${port}`,
      expiresAt: Date.now() + 600_000,
      q: null,
      callId: 'reg',
      cseq: 1,
      instanceId: null,
      regId: null,
      source: { protocol: 'udp', address: '127.0.0.1', port },
      userAgent: null,
      updatedAt: Date.now(),
    };
  }

  it('notifies a registered contact that did not subscribe, not one that did', async () => {
    const pbx = await startPbx();
    const subscriber = await Phone.start(pbx);
    const plain = await Phone.start(pbx);
    pbx.bindings.set('101', [binding('101', subscriber.port), binding('101', plain.port)]);
    await subscriber.subscribe();
    await subscriber.waitNotifies(1);
    await settle(pbx);
    pbx.counts.set('101', { newCount: 2, oldCount: 0 });
    await pbx.mwi.mailboxChanged('101');
    const [unsolicited] = await plain.waitNotifies(1);
    expect(unsolicited?.uri).toBe(`sip:101@127.0.0.1:${plain.port}`);
    expect(unsolicited?.headers.get('Event')).toBe('message-summary');
    expect(getTo(unsolicited as SipRequest)?.tag).toBeUndefined();
    expect(body(unsolicited)).toContain('Messages-Waiting: yes');
    await subscriber.waitNotifies(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(subscriber.notifies).toHaveLength(2);
  });

  it('sends none when the option is off', async () => {
    const pbx = await startPbx({ unsolicited: false });
    const plain = await Phone.start(pbx);
    pbx.bindings.set('101', [binding('101', plain.port)]);
    await pbx.mwi.mailboxChanged('101');
    await new Promise((r) => setTimeout(r, 100));
    expect(plain.notifies).toEqual([]);
  });
});
