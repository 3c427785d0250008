/**
 * Where the PBX hands every request that is not REGISTER or OPTIONS: who may call what (design
 * §5), and which call a request belongs to.
 *
 * - A request from a trunk (by address and port) calls an inbound number, mapped to its extension
 *   or ring group; an unknown number gets 404.
 * - Anyone may call an extension or a ring group without authenticating, as an outside caller.
 * - A request whose From claims an extension is challenged (407), so nobody passes for one; an
 *   authenticated extension is an internal caller.
 * - The trunk is reached only by an authenticated extension: an outside number from anyone else is
 *   challenged, never dialled (toll fraud).
 */
import type { Logger } from 'pino';
import { canonicalNumber } from '../../domain/numbers.js';
import { getFrom, getTo, parseSipUri, uriUser } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { RealScheduler } from '../../sip/timers.js';
import { buildReply } from '../../sip/stack.js';
import type { ServerTransaction, Source } from '../../sip/stack.js';
import type { CallHandler, Pbx, PbxContext } from '../server.js';
import { storeHistory } from '../history/call-history.js';
import type { BatchedHistoryWriter } from '../history/call-history.js';
import { DirectoryTrunkDialler } from '../trunks/trunk-dialler.js';
import { inboundTarget, trunkOf } from '../trunks/inbound.js';
import { CallRouter } from './call-router.js';
import type { CallTimers } from './call-session.js';
import type { Locator } from './ports.js';
import type { Binding } from '../registrar/bindings.js';
import type { Destination } from '../../sip/transport/types.js';
import { StackSignaling } from './stack-signaling.js';

export function attachCallHandling(pbx: Pbx, timers?: Partial<CallTimers>): void {
  pbx.attachCalls((context) => new CallHandling(context, timers));
}

class CallHandling implements CallHandler {
  private readonly router: CallRouter;
  private readonly scheduler = new RealScheduler();
  private readonly log: Logger;
  private readonly history: BatchedHistoryWriter;

  constructor(
    private readonly context: PbxContext,
    timers: Partial<CallTimers> | undefined,
  ) {
    this.log = context.log;
    const locator: Locator = {
      contactsOf: (extension) =>
        context.registrar.contactsOf(extension).map((binding) => ({
          uri: binding.contact,
          destination: destinationOf(binding),
        })),
    };
    this.history = storeHistory(context.db);
    this.router = new CallRouter({
      directory: context.directory,
      locator,
      signaling: new StackSignaling(context.stack, context.host),
      scheduler: this.scheduler,
      trunks: new DirectoryTrunkDialler(context.directory, context.log),
      history: this.history,
      domain: context.host,
      ...(timers === undefined ? {} : { timers }),
      log: (message) => context.log.info(message),
    });
  }

  active(): number {
    return this.router.active().length;
  }

  timers(): number {
    return this.scheduler.pending;
  }

  /** Ends every call, then writes the history still queued. */
  async close(): Promise<void> {
    this.router.close();
    await this.router.flush();
    this.history.close();
  }

  handle(request: SipRequest, tx: ServerTransaction | null, source: Source): void {
    if (request.method === 'CANCEL') {
      if (tx !== null) {
        this.router.handleCancel(request, tx, this.context.stack.findInviteForCancel(request));
      }
      return;
    }
    const inDialog = getTo(request)?.tag !== undefined;
    if (inDialog || request.method === 'ACK') {
      // RFC 3261 §12.2.2: a request for a dialog we do not know gets 481; an ACK is just dropped.
      if (!this.router.handleInDialog(request, tx) && tx !== null) {
        tx.respond(buildReply(request, 481, 'Call/Transaction Does Not Exist'));
      }
      return;
    }
    if (tx === null) return;
    if (request.method === 'INVITE') {
      this.invite(request, tx, source);
      return;
    }
    // RFC 3261 §8.2.1: out of a dialog, BYE and the rest mean nothing here.
    tx.respond(
      request.method === 'BYE'
        ? buildReply(request, 481, 'Call/Transaction Does Not Exist')
        : buildReply(request, 405, 'Method Not Allowed'),
    );
  }

  private invite(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const directory = this.context.directory();
    const dialled = userOf(request.uri);
    if (dialled === null) {
      tx.respond(buildReply(request, 404, 'Not Found'));
      return;
    }
    const trunk = trunkOf(directory, source, this.context.resolvedHosts());
    if (trunk !== undefined) {
      const target = inboundTarget(directory, trunk, dialled);
      if (target === undefined) {
        this.log.info({ trunk: trunk.name, dialled }, 'inbound number not mapped');
        tx.respond(buildReply(request, 404, 'Not Found'));
        return;
      }
      this.router.handleInvite(request, tx, { to: target, trusted: trunk.trusted });
      return;
    }
    const local = directory.extensions.has(dialled) || directory.ringGroups.has(dialled);
    const fromUser = userOf(getFrom(request)?.uri ?? '');
    const claimsExtension = fromUser !== null && directory.extensions.has(fromUser);
    const offersCredentials = request.headers.has('Proxy-Authorization');
    if (local && !claimsExtension && !offersCredentials) {
      this.router.handleInvite(request, tx, { to: dialled });
      return;
    }
    const auth = this.context.authenticator.authenticate(request, source, 'proxy');
    if (auth.kind === 'drop') {
      tx.terminate();
      return;
    }
    if (auth.kind === 'respond') {
      tx.respond(auth.response);
      return;
    }
    if (local) {
      this.router.handleInvite(request, tx, { to: dialled, authenticatedAs: auth.username });
      return;
    }
    const e164 = canonicalNumber(dialled, directory.settings.country);
    if (e164 === null) {
      tx.respond(buildReply(request, 404, 'Not Found'));
      return;
    }
    this.router.handleOutbound(request, tx, e164, auth.username);
  }
}

function userOf(uri: string): string | null {
  const parsed = parseSipUri(uri);
  return parsed === null ? null : (uriUser(parsed) ?? null);
}

/**
 * Where to send requests for a binding. A phone behind NAT registers a Contact it cannot be
 * reached at, so requests go back where its REGISTER came from (and over TCP or WebSocket, on the
 * same connection, RFC 5626). Over UDP from the very address its Contact names there is no NAT,
 * and the Contact's port is the one it listens on.
 */
function destinationOf(binding: Binding): Destination {
  const { source } = binding;
  if (source.protocol === 'udp') {
    const uri = parseSipUri(binding.contact);
    if (uri !== null && uri.host === source.address) {
      return { protocol: 'udp', address: source.address, port: uri.port ?? 5060 };
    }
  }
  return { protocol: source.protocol, address: source.address, port: source.port };
}
