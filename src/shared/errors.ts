/**
 * The base of every error Rampart raises on purpose. Callers branch on `code`
 * (stable, SCREAMING_SNAKE) or on the subclass, never on `message`.
 * Each domain declares one subclass (LedgerError, JournalError, BankingError, …)
 * and its own codes; the API maps codes to HTTP statuses in one table.
 */
export class RampartError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Input that fails validation at an edge (API body, file, CLI flag). Changes nothing. */
export class ValidationError extends RampartError {}

/** An invariant that must never break did break: a bug, never a user's fault. */
export class InvariantError extends RampartError {}
