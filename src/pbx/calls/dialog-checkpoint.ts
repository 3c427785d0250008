/**
 * Calls that outlive a crash (issue 15 §5): every couple of seconds the confirmed dialogs of the
 * calls in progress (the caller's, and the answering phone's) are written to the store, only
 * what changed; a PBX started again sends a BYE on each dialog its predecessor left, so phones
 * whose call died with it hang up instead of holding a silent line. A call answered within the
 * last interval before a crash is not in the store: its phones keep their own timers for it.
 *
 * Not over WebSocket: the browser's connection died with the process and a server cannot open
 * one to it (RFC 7118 §5). A TCP or TLS dialog gets its BYE on a new connection, where the phone
 * accepts one.
 */
import { restoreDialog, snapshotDialog } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import type { Db } from '../../store/database.js';
import { saveOpenDialogs, takeOpenDialogs } from '../../store/open-dialog-repository.js';
import type { StoredDialog } from '../../store/open-dialog-repository.js';
import type { CallSession } from './call-session.js';
import type { ResponseHandlers } from './ports.js';

export interface DialogCheckpointOptions {
  db: Db;
  /** The calls not yet released. */
  calls: () => readonly CallSession[];
  send: (request: SipRequest, destination: Destination, handlers: ResponseHandlers) => void;
  log: (message: string) => void;
  /** Default 2,000 ms. */
  everyMs?: number;
  clock?: () => number;
}

/** How the BYEs to a crashed predecessor's dialogs went. */
export interface Recovery {
  /** Dialogs found in the store. */
  found: number;
  /** BYEs answered 2xx. */
  ended: number;
  /** BYEs answered otherwise (481: the phone had hung up), timed out, or not sendable. */
  failed: number;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls']);
/** BYEs in flight at once during recovery. */
const RECOVERY_WINDOW = 64;

export class DialogCheckpoint {
  /** Key → what was last written for it. */
  private readonly saved = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  /**
   * How ending the dialogs a previous process left went: taken from the store at once, before any
   * checkpoint of ours, their BYEs sent in the background.
   */
  readonly recovered: Promise<Recovery>;

  constructor(private readonly options: DialogCheckpointOptions) {
    let left: StoredDialog[] = [];
    try {
      left = takeOpenDialogs(options.db);
    } catch (error) {
      options.log(`cannot read the dialogs left by the previous run: ${String(error)}`);
    }
    this.recovered = endLeftDialogs(left, options);
    this.timer = setInterval(() => this.tick(), options.everyMs ?? 2000);
    this.timer.unref();
  }

  /** Writes the changes since the last checkpoint now (the timer's work). */
  flush(): void {
    const current = this.current();
    const opened: StoredDialog[] = [];
    for (const [key, value] of current) {
      if (this.saved.get(key) === value.json) continue;
      opened.push({ key, snapshot: value.snapshot, destination: value.destination });
    }
    const closed = [...this.saved.keys()].filter((key) => !current.has(key));
    try {
      saveOpenDialogs(this.options.db, opened, closed, (this.options.clock ?? Date.now)());
    } catch (error) {
      // Tried again at the next checkpoint: `saved` still says what the store holds.
      this.options.log(`dialog checkpoint failed: ${String(error)}`);
      return;
    }
    for (const key of closed) this.saved.delete(key);
    for (const d of opened) this.saved.set(d.key, current.get(d.key)?.json ?? '');
  }

  /** Stops checkpointing; the calls are over by then (`CallRouter.close`): nothing is left. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
  }

  private tick(): void {
    if (!this.closed) this.flush();
  }

  private current(): Map<string, { snapshot: string; destination: string; json: string }> {
    const out = new Map<string, { snapshot: string; destination: string; json: string }>();
    const add = (dialog: Dialog | null, destination: Destination): void => {
      if (dialog?.state !== 'confirmed' || !PROTOCOLS.has(destination.protocol)) return;
      const snapshot = JSON.stringify(snapshotDialog(dialog));
      const { protocol, address, port } = destination;
      const where = JSON.stringify({ protocol, address, port });
      out.set(dialog.key, { snapshot, destination: where, json: snapshot + where });
    };
    if (this.closed) return out;
    for (const call of this.options.calls()) {
      add(call.callerLeg.dialog, call.callerLeg.invite.source);
      const leg = call.answeredLeg;
      if (leg !== null) add(leg.dialog, leg.destination);
    }
    return out;
  }
}

async function endLeftDialogs(
  left: readonly StoredDialog[],
  options: DialogCheckpointOptions,
): Promise<Recovery> {
  const recovery: Recovery = { found: left.length, ended: 0, failed: 0 };
  if (left.length === 0) return recovery;
  const byeOne = (stored: StoredDialog): Promise<void> =>
    new Promise((resolve) => {
      let bye: SipRequest;
      let destination: Destination;
      try {
        bye = restoreDialog(JSON.parse(stored.snapshot)).createRequest('BYE');
        destination = parseDestination(stored.destination);
      } catch (error) {
        options.log(`dialog ${stored.key.replaceAll('\n', ' ')} left unusable: ${String(error)}`);
        recovery.failed++;
        resolve();
        return;
      }
      const failed = (): void => {
        recovery.failed++;
        resolve();
      };
      options.send(bye, destination, {
        onResponse: (response) => {
          if (response.status < 200) return;
          if (response.status < 300) recovery.ended++;
          else recovery.failed++;
          resolve();
        },
        onTimeout: failed,
        onTransportError: failed,
      });
    });
  for (let i = 0; i < left.length; i += RECOVERY_WINDOW) {
    await Promise.all(left.slice(i, i + RECOVERY_WINDOW).map(byeOne));
  }
  options.log(
    `calls left up by the previous run: ${recovery.found} dialogs, ${recovery.ended} ended by BYE, ` +
      `${recovery.failed} already gone or unreachable`,
  );
  return recovery;
}

function parseDestination(json: string): Destination {
  const d = JSON.parse(json) as Partial<Destination> | null;
  if (
    d === null ||
    typeof d !== 'object' ||
    typeof d.protocol !== 'string' ||
    !PROTOCOLS.has(d.protocol) ||
    typeof d.address !== 'string' ||
    !Number.isInteger(d.port)
  ) {
    throw new Error(`destination ${json}`);
  }
  return { protocol: d.protocol, address: d.address, port: d.port as number };
}
