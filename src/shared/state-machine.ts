/** An explicit finite state machine: only the listed transitions are legal, anything else throws. */

export class InvalidTransitionError extends Error {
  constructor(machine: string, from: string, to: string) {
    super(`${machine}: invalid transition ${from} -> ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export class StateMachine<S extends string> {
  private current: S;

  constructor(
    private readonly name: string,
    initial: S,
    private readonly transitions: Readonly<Record<S, readonly S[]>>,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(to: S): boolean {
    return this.transitions[this.current].includes(to);
  }

  /** Move to `to`, or throw InvalidTransitionError when the table does not allow it. */
  transition(to: S): void {
    if (!this.can(to)) throw new InvalidTransitionError(this.name, this.current, to);
    this.current = to;
  }
}
