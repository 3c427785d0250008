/**
 * Extensions' lines from the calls in progress, for busy lamps (RFC 4235). The calls part hands
 * its `Signaling` through `observe`, and the calls themselves through `watch`; every message a
 * call sends or receives may move a leg or a call, so after each (once per turn of the event
 * loop) the lines of the watched extensions are read again from the calls and listeners hear
 * which of them changed. Nothing in the call session knows about lamps.
 *
 * What an extension's line shows:
 * - a leg ringing it: `early`, as recipient, the caller as the remote party (a phone offering
 *   pickup from its key reads it there); the leg answered: `confirmed`;
 * - an extension calling: `early` while its call is routed or rings, `confirmed` once answered or
 *   talking to the PBX (announcement, voicemail), as initiator;
 * - a call releasing its legs no longer occupies anyone (as for routing's busy state).
 */
import type { Caller } from '../../domain/types.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from '../calls/ports.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import type { Line, LineState } from './presence-xml.js';

/** What the lamps read of a call (the router's `CallSession`s fit). */
export interface CallView {
  readonly id: string;
  readonly state: string;
  readonly caller: Caller;
  readonly callerName: string | null;
  readonly aCallId: string;
  readonly decision: { readonly to: string };
  readonly bLegs: readonly { readonly target: string; readonly state: string }[];
}

/** Lines by extension number. */
export type LineMap = ReadonlyMap<string, readonly Line[]>;

const LEG_STATE: Readonly<Record<string, LineState | undefined>> = {
  calling: 'early',
  early: 'early',
  answered: 'confirmed',
};

const CALLER_STATE: Readonly<Record<string, LineState | undefined>> = {
  routing: 'early',
  ringing: 'early',
  announcing: 'confirmed',
  voicemail: 'confirmed',
  answered: 'confirmed',
};

function callerIdentity(caller: Caller, host: string): string {
  switch (caller.kind) {
    case 'internal':
      return `sip:${caller.extension}@${host}`;
    case 'external':
      return `sip:${caller.e164 ?? caller.digits}@${host}`;
    case 'anonymous':
      return 'sip:anonymous@anonymous.invalid';
  }
}

/**
 * The lines in `calls` of every extension `wanted` (default all); `isExtension` tells extensions
 * from outside numbers. Only wanted extensions cost a line: reading 5,000 calls for a few watched
 * keys builds a few objects, not 10,000 (docs/benchmarks.md).
 */
export function linesOf(
  calls: Iterable<CallView>,
  host: string,
  isExtension: (number: string) => boolean,
  wanted: (extension: string) => boolean = () => true,
): Map<string, Line[]> {
  const lines = new Map<string, Line[]>();
  const add = (extension: string, line: Line) => {
    const list = lines.get(extension) ?? [];
    const same = list.find((l) => l.id === line.id);
    // Two devices of one extension ringing for one call: one line, answered wins.
    if (same === undefined) list.push(line);
    else if (line.state === 'confirmed') same.state = 'confirmed';
    lines.set(extension, list);
  };
  const uri = (number: string) => `sip:${number}@${host}`;
  for (const call of calls) {
    const callerState = CALLER_STATE[call.state];
    if (
      call.caller.kind === 'internal' &&
      callerState !== undefined &&
      wanted(call.caller.extension)
    ) {
      const extension = call.caller.extension;
      const called = call.bLegs.find((l) => l.state === 'answered')?.target ?? call.decision.to;
      add(extension, {
        id: `${call.id}-caller`,
        callId: call.aCallId,
        state: callerState,
        direction: 'initiator',
        local: { identity: uri(extension) },
        remote: { identity: isExtension(called) ? uri(called) : `sip:${called}@${host}` },
      });
    }
    if (call.state === 'releasing' || call.state === 'ended') continue;
    for (const leg of call.bLegs) {
      const state = LEG_STATE[leg.state];
      if (state === undefined || !wanted(leg.target) || !isExtension(leg.target)) continue;
      const callerParty = {
        identity: callerIdentity(call.caller, host),
        display: call.callerName,
      };
      add(leg.target, {
        id: `${call.id}-${leg.target}`,
        callId: call.aCallId,
        state,
        direction: 'recipient',
        local: { identity: uri(leg.target) },
        remote: callerParty,
      });
    }
  }
  return lines;
}

/** What the activity asks of the watched extensions (a Map or a Set of them fits). */
export interface WatchedSet {
  has(extension: string): boolean;
  keys(): Iterable<string>;
  readonly size: number;
}

export type ActivityListener = (changed: ReadonlySet<string>, lines: LineMap) => void;

export class CallActivity {
  private source: () => Iterable<CallView> = () => [];
  private readonly listeners = new Set<ActivityListener>();
  private current = new Map<string, Line[]>();
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  /** The calls moved since `current` was read. */
  private stale = false;
  /** The extensions watched now (the presence service's index). */
  private watched: WatchedSet = new Set<string>();
  /** Those watched when `current` was read: only theirs are in it. */
  private covered = new Set<string>();

  constructor(
    private readonly host: string,
    private readonly isExtension: (number: string) => boolean,
  ) {}

  /** The calls in progress, read after each change. */
  watch(source: () => Iterable<CallView>): void {
    this.source = source;
  }

  /**
   * `signaling`, telling this activity after every message of a call. Only `sendRequest` and
   * `respond` are watched; every other member of the port passes through untouched, so the port
   * may grow (an address per peer, say) without this wrapper knowing.
   */
  observe(signaling: Signaling): Signaling {
    const touched = () => this.changed();
    const sendRequest = (
      request: SipRequest,
      destination: Destination,
      handlers: ResponseHandlers,
    ): ClientTx => {
      const tx = signaling.sendRequest(request, destination, {
        onResponse: (response) => {
          handlers.onResponse(response);
          touched();
        },
        onTimeout: () => {
          handlers.onTimeout();
          touched();
        },
        onTransportError: (error) => {
          handlers.onTransportError(error);
          touched();
        },
      });
      touched();
      return tx;
    };
    const respond = (tx: ServerTx, response: SipResponse): void => {
      signaling.respond(tx, response);
      touched();
    };
    return new Proxy(signaling, {
      get: (target, property) => {
        if (property === 'sendRequest') return sendRequest;
        if (property === 'respond') return respond;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /**
   * The extensions somebody watches. Only theirs are read after a change; while nobody watches,
   * a change only marks the lines stale: a PBX without lamps reads no calls on every message.
   */
  interest(watched: WatchedSet): void {
    this.watched = watched;
  }

  /** The lines of `extension` now. */
  linesOf(extension: string): readonly Line[] {
    if (!this.stale && this.covered.has(extension)) return this.current.get(extension) ?? [];
    // Newly watched, or the calls moved since the last read: read them for this one alone.
    const lines = linesOf(this.source(), this.host, this.isExtension, (e) => e === extension);
    return lines.get(extension) ?? [];
  }

  /** Listeners hear the extensions whose lines changed; returns the function that stops it. */
  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something in a call moved: read the lines again on the next turn (once however many). */
  changed(): void {
    this.stale = true;
    if (this.scheduled !== undefined || this.closed || this.watched.size === 0) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.refresh();
    });
  }

  /** Pending work: a read of the lines is scheduled. */
  get pending(): number {
    return this.scheduled === undefined ? 0 : 1;
  }

  close(): void {
    this.closed = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.listeners.clear();
  }

  private refresh(): void {
    const watched = this.watched;
    const next = linesOf(this.source(), this.host, this.isExtension, (e) => watched.has(e));
    const covered = new Set(watched.keys());
    this.stale = false;
    const changed = new Set<string>();
    for (const extension of new Set([...next.keys(), ...this.current.keys()])) {
      if (signature(next.get(extension)) !== signature(this.current.get(extension))) {
        changed.add(extension);
      }
    }
    // One watched only since the last read: what its first NOTIFY said is not known here, so it
    // is told as changed (listeners send only what differs from what they sent).
    for (const extension of covered) if (!this.covered.has(extension)) changed.add(extension);
    this.current = next;
    this.covered = covered;
    if (changed.size === 0) return;
    for (const listener of [...this.listeners]) listener(changed, next);
  }
}

/** What a phone sees of some lines: equal signatures, nothing to tell. */
export function signature(lines: readonly Line[] | undefined): string {
  return (lines ?? []).map((l) => `${l.id}:${l.state}:${l.remote.identity}`).join('|');
}
