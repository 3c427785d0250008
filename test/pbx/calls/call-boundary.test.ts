/**
 * Each call's error boundary (call-boundary.ts): an error thrown inside a call's timer or in the
 * callback of one of its transactions ends that call, logged, and reaches neither the scheduler
 * nor the stack; the router goes on serving the next call.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallRouter } from '../../../src/pbx/calls/call-router.js';
import type { CallSession } from '../../../src/pbx/calls/call-session.js';
import type { ClientTx, ResponseHandlers } from '../../../src/pbx/calls/ports.js';
import { storeHistory } from '../../../src/store/call-history-repository.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import type { Destination } from '../../../src/sip/transport/types.js';
import { openDatabase } from '../../../src/store/database.js';
import type { Db } from '../../../src/store/database.js';
import { migrate } from '../../../src/store/migrations.js';
import { directoryOf, tempDir } from '../../store/helpers.js';
import {
  FakeLocator,
  FakeServerTx,
  FakeSignaling,
  FakeTrunks,
  defaultVoice,
  device,
  parseRequest,
  until,
} from './fakes.js';

const DIRECTORY = directoryOf({
  country: 'FR',
  timezone: 'Europe/Paris',
  extensions: [{ number: '101', name: 'Alice Martin', password: 'change-me-101', ringTimeout: 5 }],
});

function invite(n: number): SipRequest {
  return parseRequest(
    [
      'INVITE sip:101@pbx.test SIP/2.0',
      `Via: SIP/2.0/UDP 203.0.113.5:5080;branch=z9hG4bKb${n}`,
      'Max-Forwards: 70',
      `From: <sip:0912345678@carrier.test>;tag=f${n}`,
      'To: <sip:101@pbx.test>',
      `Call-ID: boundary-${n}@203.0.113.5`,
      'CSeq: 1 INVITE',
      'Contact: <sip:in@203.0.113.5:5080>',
    ],
    '',
  );
}

/** Signaling that throws once, as a bug or a socket would, when asked to send `method`. */
class ThrowingSignaling extends FakeSignaling {
  throwOn: string | null = null;

  override sendRequest(
    request: SipRequest,
    destination: Destination,
    handlers: ResponseHandlers,
  ): ClientTx {
    if (request.method === this.throwOn) {
      this.throwOn = null;
      throw new RangeError(`cannot send ${request.method}`);
    }
    return super.sendRequest(request, destination, handlers);
  }
}

function started(session: CallSession | null): CallSession {
  if (session === null) throw new Error('the INVITE was refused at the edge');
  return session;
}

describe('the error boundary of a call', () => {
  let temp: ReturnType<typeof tempDir>;
  let db: Db;
  let sig: ThrowingSignaling;
  let scheduler: FakeScheduler;
  let router: CallRouter;
  let errors: string[];

  beforeEach(async () => {
    temp = tempDir('boundary');
    db = openDatabase(join(temp.dir, 'renvoi.db'));
    await migrate(db);
    sig = new ThrowingSignaling();
    scheduler = new FakeScheduler();
    errors = [];
    router = new CallRouter({
      directory: () => DIRECTORY,
      locator: new FakeLocator({ '101': [device(1)] }),
      signaling: sig,
      scheduler,
      trunks: new FakeTrunks(null),
      history: storeHistory(db),
      domain: 'pbx.test',
      voice: defaultVoice(),
      clock: () => new Date('2025-03-04T10:00:00Z'),
      log: () => undefined,
      logError: (error, message) => errors.push(`${message}: ${String(error)}`),
    });
  });

  afterEach(async () => {
    await router.flush();
    await db.destroy();
    temp.remove();
  });

  it('a throwing timer ends its call (503 to the caller); the next call rings and is answered', () => {
    const first = new FakeServerTx(invite(1));
    const session = started(router.handleInvite(first.request, first, { to: '101' }));
    // Ringing (a CANCEL needs a provisional response first, RFC 3261 §9.1).
    sig.only('INVITE').reply(180, { toTag: 'b1' });
    // The ring timeout fires; the CANCEL it sends throws inside the step timer.
    sig.throwOn = 'CANCEL';
    expect(() => scheduler.advance(5000)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^call .*: error, the call is ended: RangeError: cannot send CANCEL/);
    expect(first.statuses.at(-1)).toBe(503);
    expect(session.state === 'releasing' || session.state === 'ended').toBe(true);

    const second = new FakeServerTx(invite(2));
    started(router.handleInvite(second.request, second, { to: '101' }));
    const ringing = sig.requests('INVITE');
    expect(ringing).toHaveLength(2);
    ringing[1]?.reply(200, { toTag: 'b2' });
    expect(second.statuses).toEqual([200]);
  });

  it("a throwing response handler ends its call, not the stack's loop", async () => {
    const first = new FakeServerTx(invite(3));
    started(router.handleInvite(first.request, first, { to: '101' }));
    const leg = sig.only('INVITE');
    // The 486 makes the call try the next step: a CANCEL of nothing, then the caller's final
    // response; a failure while answering it must stay inside the call.
    const respond = first.respond.bind(first);
    let thrown = false;
    first.respond = (response) => {
      if (!thrown) {
        thrown = true;
        throw new TypeError('the caller vanished');
      }
      respond(response);
    };
    expect(() => leg.reply(486)).not.toThrow();
    // The next step is 101's voicemail: the PBX answers once its RTP session is open, and that
    // continuation of the media layer's promise runs inside the boundary too.
    await until(() => errors.some((e) => e.includes('TypeError: the caller vanished')));
    expect(() => scheduler.advance(64_000)).not.toThrow();

    const second = new FakeServerTx(invite(4));
    started(router.handleInvite(second.request, second, { to: '101' }));
    sig.requests('INVITE')[1]?.reply(200, { toTag: 'b4' });
    expect(second.statuses).toEqual([200]);
  });
});
