/**
 * Registering trunks (design §5): a trunk with a username registers to its carrier, answers the
 * digest challenge, and refreshes before the binding expires. An explicit state machine per
 * trunk; a failure is retried after a delay, never in a tight loop.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Trunk } from '../../domain/types.js';
import { Headers, createRequest } from '../../sip/message/index.js';
import type { SipResponse } from '../../sip/message/index.js';
import { answerChallenge } from '../../sip/auth/digest.js';
import { createTag } from '../../sip/stack.js';
import type { SipStack } from '../../sip/stack.js';

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

const TRANSITIONS: Record<RegistrationState, readonly RegistrationState[]> = {
  idle: ['registering', 'stopped'],
  registering: ['registered', 'failed', 'stopped'],
  registered: ['registering', 'stopped'],
  failed: ['registering', 'stopped'],
  stopped: [],
};

export interface TrunkRegistrationOptions {
  /** Seconds asked for (RFC 3261 §10.2.1.1); the registrar may grant less. */
  expires?: number;
  /** Seconds to wait before trying again after a failure. */
  retryAfter?: number;
  /** The carrier's address (its host name resolved). */
  address: string;
  /** Our host as the carrier reaches it, for the Contact. */
  contactHost: string;
  contactPort: number;
}

export class TrunkRegistration {
  private current: RegistrationState = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private readonly callId = `${randomBytes(12).toString('hex')}@renvoi`;
  private readonly fromTag = createTag();
  private cseq = 0;
  /** Seconds granted by the carrier's last 200. */
  granted = 0;

  constructor(
    private readonly stack: SipStack,
    private readonly trunk: Trunk,
    private readonly options: TrunkRegistrationOptions,
    private readonly log: Logger,
  ) {}

  get trunkName(): string {
    return this.trunk.name;
  }

  get state(): RegistrationState {
    return this.current;
  }

  start(): void {
    this.register(null);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.transition('stopped');
  }

  private transition(next: RegistrationState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new Error(
        `trunk ${this.trunk.name}: registration cannot go from ${this.current} to ${next}`,
      );
    }
    this.current = next;
  }

  private get aor(): string {
    return `sip:${this.trunk.username ?? ''}@${this.trunk.host}`;
  }

  /** `challenge`: the carrier's 401/407 to the previous attempt, answered once. */
  private register(challenge: SipResponse | null): void {
    if (this.current === 'stopped') return;
    if (challenge === null) this.transition('registering');
    const { trunk } = this;
    const uri = `sip:${trunk.host}:${trunk.port}`;
    const headers = new Headers();
    headers.append('From', `<${this.aor}>;tag=${this.fromTag}`);
    headers.append('To', `<${this.aor}>`);
    headers.append('Call-ID', this.callId);
    // RFC 3261 §10.2: the same Call-ID and a growing CSeq for every REGISTER to this registrar.
    headers.append('CSeq', `${++this.cseq} REGISTER`);
    headers.append('Max-Forwards', '70');
    headers.append(
      'Contact',
      `<sip:${trunk.username ?? ''}@${this.options.contactHost}:${this.options.contactPort}>`,
    );
    headers.append('Expires', String(this.options.expires ?? 3600));
    if (challenge !== null) {
      const proxy = challenge.status === 407;
      const authorization = answerChallenge(
        challenge.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'),
        {
          username: trunk.username ?? '',
          password: trunk.password ?? '',
          method: 'REGISTER',
          uri,
        },
      );
      if (authorization === null) {
        this.fail('the carrier asks for a digest algorithm we do not know');
        return;
      }
      headers.append(proxy ? 'Proxy-Authorization' : 'Authorization', authorization);
    }
    this.stack.sendRequest(
      createRequest('REGISTER', uri, headers),
      { protocol: trunk.transport, address: this.options.address, port: trunk.port },
      {
        onResponse: (response) => this.receive(response, challenge !== null),
        onTimeout: () => this.fail('no answer from the carrier'),
        onTransportError: (error) => this.fail(`cannot reach the carrier: ${error.message}`),
      },
    );
  }

  private receive(response: SipResponse, answeredChallenge: boolean): void {
    if (response.status < 200 || this.current === 'stopped') return;
    if ((response.status === 401 || response.status === 407) && !answeredChallenge) {
      this.register(response);
      return;
    }
    if (response.status >= 200 && response.status < 300) {
      this.granted = grantedSeconds(response, this.options.expires ?? 3600);
      this.transition('registered');
      this.log.info({ trunk: this.trunk.name, expires: this.granted }, 'trunk registered');
      // Refresh at half the granted time, so a lost REGISTER still has time to be retried.
      this.schedule(Math.max(1, Math.floor(this.granted / 2)));
      return;
    }
    // A second challenge means the credentials were refused: a wrong password, never a retry loop.
    this.fail(`the carrier answered ${response.status} ${response.reason}`);
  }

  private fail(reason: string): void {
    if (this.current === 'stopped') return;
    this.transition('failed');
    this.log.warn({ trunk: this.trunk.name, reason }, 'trunk registration failed');
    this.schedule(this.options.retryAfter ?? 60);
  }

  private schedule(seconds: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.register(null), seconds * 1000);
  }
}

/**
 * RFC 3261 §10.2.4: our Contact's expires parameter, else the Expires header, else asked. A
 * registrar may shorten the time asked, never lengthen it (§10.3 step 7): a longer grant (up to
 * 2**32-1 s, beyond what a timer can wait: Node fires such a timer after 1 ms, which made the PBX
 * REGISTER in a loop) counts as the time asked.
 */
function grantedSeconds(response: SipResponse, asked: number): number {
  let granted: number | undefined;
  for (const contact of response.headers.getAll('Contact')) {
    const match = /;\s*expires\s*=\s*(\d+)/i.exec(contact);
    if (match?.[1] !== undefined) {
      granted = Number(match[1]);
      break;
    }
  }
  const header = response.headers.get('Expires')?.trim();
  if (granted === undefined && header !== undefined && /^\d+$/.test(header))
    granted = Number(header);
  return granted === undefined ? asked : Math.min(granted, asked);
}
