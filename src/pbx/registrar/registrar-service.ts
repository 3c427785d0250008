/**
 * The registrar (RFC 3261 §10.3) on the wire: authenticates REGISTER, applies it to the AOR's
 * bindings, keeps them in the store so a restart loses none, and answers with the current set.
 * Bindings live in memory for lookups on every call; the store is written on every change.
 */
import type { Logger } from 'pino';
import type { SipRequest } from '../../sip/message/index.js';
import {
  getCSeq,
  getCallId,
  getContacts,
  getTo,
  parseUri,
  uriUser,
} from '../../sip/message/index.js';
import { buildReply } from '../../sip/stack.js';
import type { ServerTransaction, Source } from '../../sip/stack.js';
import type { Db } from '../../store/database.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Binding, RegistrarPolicy } from './bindings.js';
import {
  DEFAULT_REGISTRAR_POLICY,
  activeBindings,
  applyRegister,
  contactHeaderValues,
  registerContacts,
} from './bindings.js';
import { BindingWriter, loadAllActive, purgeExpired } from '../../store/binding-repository.js';

export interface RegistrarDeps {
  db: Db;
  authenticator: Authenticator;
  /** Whether an extension of that number exists now. */
  isExtension: (number: string) => boolean;
  log: Logger;
  clock: () => number;
  policy?: RegistrarPolicy;
}

export class RegistrarService {
  private readonly bindings = new Map<string, Binding[]>();
  /** Writes in order, grouped by event-loop turn: a REGISTER's bindings reach the store first. */
  private readonly writer: BindingWriter;

  constructor(private readonly deps: RegistrarDeps) {
    this.writer = new BindingWriter(deps.db);
  }

  /** Reads the bindings a previous run left, dropping those that expired meanwhile. */
  async load(): Promise<void> {
    const now = this.deps.clock();
    await purgeExpired(this.deps.db, now);
    for (const binding of await loadAllActive(this.deps.db, now)) {
      const list = this.bindings.get(binding.aor) ?? [];
      list.push(binding);
      this.bindings.set(binding.aor, list);
    }
  }

  /** The live bindings of an extension: where its phones can be reached now. */
  contactsOf(aor: string): Binding[] {
    const list = this.bindings.get(aor);
    return list === undefined ? [] : activeBindings(list, this.deps.clock());
  }

  /** Every live binding, of every extension. */
  allBindings(): Binding[] {
    return [...this.bindings.keys()].flatMap((aor) => this.contactsOf(aor));
  }

  registeredCount(): number {
    let n = 0;
    for (const aor of this.bindings.keys()) n += this.contactsOf(aor).length;
    return n;
  }

  async handle(request: SipRequest, tx: ServerTransaction, source: Source): Promise<void> {
    const username = this.deps.authenticator.admit(request, tx, source, 'registrar');
    if (username === null) return;
    const to = getTo(request);
    const toUri = to === null ? null : parseUri(to.uri);
    const aor = toUri?.kind === 'sip' ? uriUser(toUri) : undefined;
    // RFC 3261 §10.3 step 6: the authenticated user may only change its own bindings.
    if (aor === undefined || aor !== username || !this.deps.isExtension(aor)) {
      tx.respond(buildReply(request, 403, 'Forbidden'));
      return;
    }
    const contacts = registerContacts(getContacts(request) ?? []);
    const cseq = getCSeq(request);
    if (contacts === null || cseq === null) {
      tx.respond(buildReply(request, 400, 'Bad Contact'));
      return;
    }
    const expiresHeader = request.headers.get('Expires');
    const now = this.deps.clock();
    const userAgent = request.headers.get('User-Agent');
    const result = applyRegister(
      this.bindings.get(aor) ?? [],
      {
        aor,
        contacts,
        ...(expiresHeader === undefined ? {} : { expiresHeader: Number(expiresHeader) }),
        callId: getCallId(request) ?? '',
        cseq: cseq.seq,
        source: { protocol: source.protocol, address: source.address, port: source.port },
        ...(userAgent === undefined ? {} : { userAgent }),
      },
      now,
      this.deps.policy ?? DEFAULT_REGISTRAR_POLICY,
    );
    switch (result.status) {
      case 200: {
        this.bindings.set(aor, result.bindings);
        const saved = this.persist(aor, result.bindings);
        const response = buildReply(request, 200, 'OK');
        for (const value of contactHeaderValues(result.bindings, now)) {
          response.headers.append('Contact', value);
        }
        response.headers.append('Date', new Date(now).toUTCString());
        await saved;
        tx.respond(response);
        this.deps.log.info(
          { aor, bindings: result.bindings.length, address: source.address },
          'registered',
        );
        return;
      }
      case 423: {
        const response = buildReply(request, 423, 'Interval Too Brief');
        response.headers.append('Min-Expires', String(result.minExpires));
        tx.respond(response);
        return;
      }
      case 400:
      case 403:
      case 500:
        tx.respond(buildReply(request, result.status, result.reason));
        return;
    }
  }

  /** Called from time to time: forgets expired bindings in memory and in the store. */
  async purge(): Promise<void> {
    const now = this.deps.clock();
    for (const [aor, list] of this.bindings) {
      const active = activeBindings(list, now);
      if (active.length === 0) this.bindings.delete(aor);
      else this.bindings.set(aor, active);
    }
    await purgeExpired(this.deps.db, now);
  }

  private persist(aor: string, bindings: Binding[]): Promise<void> {
    return this.writer.save(aor, bindings).catch((error: unknown) => {
      this.deps.log.error({ aor, err: error }, 'could not save bindings');
      throw error;
    });
  }
}
