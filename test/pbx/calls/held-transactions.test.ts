import { describe, expect, it } from 'vitest';
import { HeldTransactions } from '../../../src/pbx/calls/held-transactions.js';
import type { ClientTx, ResponseHandlers, Signaling } from '../../../src/pbx/calls/ports.js';
import { FakeServerTx, FakeSignaling, callerInvite, device } from './fakes.js';

const ignore: ResponseHandlers = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};

describe('HeldTransactions', () => {
  it('holds a client transaction until its first final response, and says so once', () => {
    const sig = new FakeSignaling();
    let changes = 0;
    const held = new HeldTransactions(sig, () => changes++);
    const seen: number[] = [];
    held.send(callerInvite(), device(1).destination, {
      ...ignore,
      onResponse: (r) => seen.push(r.status),
    });
    const tx = sig.only('INVITE');
    tx.reply(180, { toTag: 't' });
    expect(held.clientCount).toBe(1);
    tx.reply(200, { toTag: 't' });
    tx.reply(200, { toTag: 't' });
    expect(seen).toEqual([180, 200, 200]);
    expect(held.clientCount).toBe(0);
    expect(changes).toBe(1);
    expect(held.empty).toBe(true);
  });

  it('a timeout lets go too; after release late callbacks change nothing', () => {
    const sig = new FakeSignaling();
    let changes = 0;
    const held = new HeldTransactions(sig, () => changes++);
    held.send(callerInvite(), device(1).destination, ignore);
    held.send(callerInvite(), device(2).destination, ignore);
    sig.requests('INVITE')[0]?.timeout();
    expect(held.clientCount).toBe(1);
    held.release();
    sig.requests('INVITE')[1]?.timeout();
    expect(changes).toBe(1);
  });

  it('a transport error before the send returns is not held at all', () => {
    const failing: Signaling = {
      sendRequest: (_r, _d, handlers): ClientTx => {
        handlers.onTransportError(new Error('unreachable'));
        return { terminated: true, terminate: () => undefined };
      },
      respond: () => undefined,
      sendAck: () => undefined,
      localContact: () => 'sip:renvoi@192.0.2.1',
      addressFor: () => '192.0.2.1',
    };
    const held = new HeldTransactions(failing, () => undefined);
    held.send(callerInvite(), device(1).destination, ignore);
    expect(held.clientCount).toBe(0);
  });

  it('holds server transactions until answered', () => {
    const held = new HeldTransactions(new FakeSignaling(), () => undefined);
    const tx = new FakeServerTx(callerInvite());
    held.hold(tx);
    expect(held.holds(tx)).toBe(true);
    expect(held.serverCount).toBe(1);
    held.answered(tx);
    expect(held.empty).toBe(true);
  });
});
