/**
 * Admission of a new INVITE (issue 14): a chain of small steps, each deciding one thing — does it
 * come from a trunk, is it an outside caller the admin lets in, is its source within its limits,
 * did it authenticate — and either answering the request itself or passing it on, as drachtio-srf
 * middlewares do. The last step hands an admitted call to the router.
 */
import type { Logger } from 'pino';
import type { Directory, Trunk } from '../../../domain/types.js';
import type { SipRequest } from '../../../sip/message/index.js';
import type { ServerTransaction, Source } from '../../../sip/stack.js';

/** Who the caller turned out to be, as the steps learn it. */
export type Admitted =
  /** From a trunk: its inbound number already mapped to `to`. */
  | { kind: 'trunk'; trunk: Trunk; to: string }
  /** Neither a trunk nor an extension, let in by the `outsideCalls` setting. */
  | { kind: 'outside' }
  /** Authenticated (digest) as this extension. */
  | { kind: 'extension'; username: string };

export interface Attempt {
  readonly request: SipRequest;
  readonly tx: ServerTransaction;
  readonly source: Source;
  /** Read once for the whole chain. */
  readonly directory: Directory;
  /** The Request-URI's user part: the number dialled. */
  readonly dialled: string;
  caller?: Admitted;
  /** Run when the admitted call is released (what a step counted is given back). */
  readonly onRelease: (() => void)[];
}

/** One step: answer the request (and stop), or call `next`. */
export type AdmissionStep = (attempt: Attempt, next: () => void) => void;

/** The steps run in order; the first that answers ends the chain. */
export function admissionChain(steps: readonly AdmissionStep[]): (attempt: Attempt) => void {
  return (attempt) => {
    const run = (index: number): void => {
      const step = steps[index];
      if (step !== undefined) step(attempt, () => run(index + 1));
    };
    run(0);
  };
}

/** The log line every step writes for the decision it takes (debug: a flood must not flood it). */
export function decided(log: Logger, attempt: Attempt, step: string, decision: string): void {
  log.debug(
    { address: attempt.source.address, port: attempt.source.port, dialled: attempt.dialled, step },
    `admission: ${decision}`,
  );
}
