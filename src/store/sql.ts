/**
 * The small SQL surface the projector, queries, migrations and backup share, so they are
 * written once for both backends. Statements use `?` placeholders; the PostgreSQL
 * adapter rewrites them to `$n`. Keep `?` out of string literals in shared SQL.
 */
export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Several statements, no parameters (DDL). */
  exec(script: string): Promise<void>;
}

export interface SqlDb extends SqlRunner {
  /** Runs `fn` in one transaction: all of it commits or none of it. */
  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** An integer column read back: SQLite gives numbers, PostgreSQL bigint is parsed to number by the adapter. */
export function int(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`not an integer column value: ${String(v).slice(0, 40)}`);
}

/** An amount column read back (TEXT in SQLite, numeric(78,0) in PostgreSQL) → bigint. */
export function amount(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`not an amount column value: ${String(v).slice(0, 40)}`);
}
