import { InvariantError } from './errors.ts';

/**
 * TigerBeetle-style assertion: an invariant that must hold whatever the input.
 * A failed assert is a bug; it throws InvariantError so the process stops
 * acknowledging rather than continuing with a state it cannot vouch for.
 */
export function assert(condition: unknown, message = 'assertion failed', details: Record<string, unknown> = {}): asserts condition {
  if (!condition) throw new InvariantError('INVARIANT_VIOLATED', message, details);
}
