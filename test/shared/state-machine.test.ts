import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, StateMachine } from '../../src/shared/state-machine.js';

type Light = 'red' | 'green' | 'amber';

function light(): StateMachine<Light> {
  return new StateMachine<Light>('light', 'red', {
    red: ['green'],
    green: ['amber'],
    amber: ['red'],
  });
}

describe('StateMachine', () => {
  it('follows the listed transitions only', () => {
    const m = light();
    expect(m.state).toBe('red');
    expect(m.can('green')).toBe(true);
    expect(m.can('amber')).toBe(false);
    m.transition('green');
    m.transition('amber');
    m.transition('red');
    expect(m.state).toBe('red');
  });

  it('throws on a transition the table does not list, and stays where it was', () => {
    const m = light();
    expect(() => m.transition('amber')).toThrow(InvalidTransitionError);
    expect(() => m.transition('amber')).toThrow('light: invalid transition red -> amber');
    expect(m.state).toBe('red');
  });

  it('a state without exits is final, even toward itself', () => {
    const m = new StateMachine<'open' | 'closed'>('door', 'open', { open: ['closed'], closed: [] });
    m.transition('closed');
    expect(() => m.transition('closed')).toThrow(InvalidTransitionError);
  });
});
