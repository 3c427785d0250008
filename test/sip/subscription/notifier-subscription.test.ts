import { describe, expect, it } from 'vitest';
import { createUasDialog } from '../../../src/sip/dialog/index.js';
import { buildReply, getCSeq } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { NotifierSubscription } from '../../../src/sip/subscription/notifier-subscription.js';
import type { NotifySender } from '../../../src/sip/subscription/notifier-subscription.js';
import {
  acceptsType,
  eventPackageOf,
  grantedExpiry,
} from '../../../src/sip/subscription/subscribe-request.js';
import { parseRequest } from '../../pbx/calls/fakes.js';

const BOUNDS = { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 1800 };
const DESTINATION = { protocol: 'udp' as const, address: '198.51.100.7', port: 5060 };

function subscribe(extra: string[] = []): SipRequest {
  return parseRequest(
    [
      'SUBSCRIBE sip:201@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKs1',
      'Max-Forwards: 70',
      'From: <sip:101@pbx.test>;tag=phone',
      'To: <sip:201@pbx.test>',
      'Call-ID: sub@example.test',
      'CSeq: 1 SUBSCRIBE',
      'Contact: <sip:101@198.51.100.7:5060>',
      ...extra,
    ],
    '',
  );
}

interface Sent {
  request: SipRequest;
  answer(status: number): void;
  timeout(): void;
}

/** Records each NOTIFY; the test answers it (or lets Timer F fire). */
function recordingSender(): NotifySender & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    sendRequest: (request, _destination, handlers) => {
      sent.push({
        request,
        answer: (status) => handlers.onResponse(buildReply(request, status, 'X') as SipResponse),
        timeout: () => handlers.onTimeout(),
      });
      return undefined;
    },
  };
}

function start(seconds = 600) {
  const scheduler = new FakeScheduler();
  const sender = recordingSender();
  const request = subscribe();
  const dialog = createUasDialog(
    request,
    buildReply(request, 200, 'OK', 'pbx'),
    'sip:pbx@192.0.2.1',
  );
  let state = 0;
  const ended: string[] = [];
  const subscription = new NotifierSubscription({
    event: 'dialog',
    dialog,
    destination: DESTINATION,
    seconds,
    scheduler,
    sender,
    content: () => ({ contentType: 'text/plain', body: `state ${state}` }),
    onEnded: (why) => ended.push(why),
  });
  return {
    scheduler,
    sender,
    subscription,
    ended,
    set: (n: number) => (state = n),
  };
}

const header = (s: Sent | undefined, name: string) => s?.request.headers.get(name);

describe('SUBSCRIBE checks (RFC 6665 §4.2.1)', () => {
  it('reads the package without its parameters, and no Event as none', () => {
    expect(eventPackageOf(subscribe(['Event: Dialog;id=7']))).toBe('dialog');
    expect(eventPackageOf(subscribe())).toBeUndefined();
  });

  it('grants the default, shortens to the maximum, refuses too brief with Min-Expires', () => {
    expect(grantedExpiry(subscribe(), BOUNDS)).toEqual({ ok: true, seconds: 3600 });
    expect(grantedExpiry(subscribe(['Expires: 7200']), BOUNDS)).toEqual({
      ok: true,
      seconds: 1800,
    });
    expect(grantedExpiry(subscribe(['Expires: 0']), BOUNDS)).toEqual({ ok: true, seconds: 0 });
    expect(grantedExpiry(subscribe(['Expires: 10']), BOUNDS)).toEqual({
      ok: false,
      status: 423,
      reason: 'Interval Too Brief',
      headers: [['Min-Expires', '60']],
    });
    expect(grantedExpiry(subscribe(['Expires: soon']), BOUNDS)).toMatchObject({ status: 400 });
  });

  it('takes the package default without Accept, else needs the type or a wildcard', () => {
    const type = 'application/dialog-info+xml';
    expect(acceptsType(subscribe(), type)).toBe(true);
    expect(acceptsType(subscribe([`Accept: application/sdp, ${type}`]), type)).toBe(true);
    expect(acceptsType(subscribe(['Accept: application/*']), type)).toBe(true);
    expect(acceptsType(subscribe(['Accept: application/pidf+xml']), type)).toBe(false);
  });
});

describe('NotifierSubscription (RFC 6665 §4.2.2)', () => {
  it('sends one NOTIFY at a time, then the latest state once, in CSeq order', () => {
    const t = start();
    t.subscription.notify();
    t.set(1);
    t.subscription.notify();
    t.set(2);
    t.subscription.notify();
    expect(t.sender.sent).toHaveLength(1);
    expect(header(t.sender.sent[0], 'Subscription-State')).toBe('active;expires=600');
    expect(header(t.sender.sent[0], 'Event')).toBe('dialog');
    t.sender.sent[0]?.answer(200);
    expect(t.sender.sent).toHaveLength(2);
    expect(t.sender.sent[1]?.request.body.toString()).toBe('state 2');
    const seqs = t.sender.sent.map((s) => getCSeq(s.request)?.seq ?? 0);
    expect(seqs[1]).toBeGreaterThan(seqs[0] ?? Infinity);
    t.sender.sent[1]?.answer(200);
    expect(t.sender.sent).toHaveLength(2);
    expect(t.subscription.notifying).toBe(false);
    t.subscription.drop('test over');
    expect(t.scheduler.pending).toBe(0);
  });

  it('expires with a last NOTIFY terminated;reason=timeout, and holds no timer', () => {
    const t = start(60);
    t.scheduler.advance(30_000);
    t.subscription.notify();
    expect(header(t.sender.sent[0], 'Subscription-State')).toBe('active;expires=30');
    t.sender.sent[0]?.answer(200);
    t.scheduler.advance(30_000);
    expect(t.subscription.state).toBe('terminated');
    expect(header(t.sender.sent[1], 'Subscription-State')).toBe('terminated;reason=timeout');
    expect(t.ended).toEqual(['expired']);
    expect(t.scheduler.pending).toBe(0);
  });

  it('refresh moves the expiry and notifies; 0 ends it with terminated', () => {
    const t = start(60);
    t.scheduler.advance(50_000);
    t.subscription.refresh(120, DESTINATION);
    expect(header(t.sender.sent[0], 'Subscription-State')).toBe('active;expires=120');
    t.sender.sent[0]?.answer(200);
    t.scheduler.advance(100_000);
    expect(t.subscription.state).toBe('active');
    t.subscription.refresh(0, DESTINATION);
    expect(header(t.sender.sent[1], 'Subscription-State')).toBe('terminated;reason=timeout');
    expect(t.ended).toEqual(['unsubscribed']);
    expect(t.scheduler.pending).toBe(0);
    // Ended: nothing more is sent.
    t.subscription.notify();
    expect(t.sender.sent).toHaveLength(2);
  });

  it.each([481, 408, 500])('a NOTIFY answered %i ends it without another NOTIFY', (status) => {
    const t = start();
    t.subscription.notify();
    t.set(1);
    t.subscription.notify();
    t.sender.sent[0]?.answer(status);
    expect(t.subscription.state).toBe('terminated');
    expect(t.sender.sent).toHaveLength(1);
    expect(t.ended).toEqual([`NOTIFY failed: answered ${status}`]);
    expect(t.scheduler.pending).toBe(0);
  });

  it('sends the last NOTIFY after the answer to the one in flight, not beside it', () => {
    const t = start();
    t.subscription.notify();
    t.subscription.refresh(0, DESTINATION);
    expect(t.subscription.state).toBe('terminated');
    expect(t.sender.sent).toHaveLength(1);
    t.sender.sent[0]?.answer(200);
    expect(t.sender.sent).toHaveLength(2);
    expect(header(t.sender.sent[1], 'Subscription-State')).toBe('terminated;reason=timeout');
    expect(t.scheduler.pending).toBe(0);
  });

  it('a NOTIFY never answered (Timer F) ends it', () => {
    const t = start();
    t.subscription.notify();
    t.sender.sent[0]?.timeout();
    expect(t.subscription.state).toBe('terminated');
    expect(t.ended).toEqual(['NOTIFY failed: no answer']);
  });
});
