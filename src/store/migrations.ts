import { StoreError } from './errors.ts';
import type { Dialect, SqlDb, SqlRunner } from './sql.ts';

/**
 * Versioned schema migrations: an ordered list, each one SQL script per dialect, applied
 * in its own transaction together with its row in schema_version. Never edit a shipped
 * migration; append a new one.
 *
 * Exact numbers: amounts are numeric(78,0) in PostgreSQL (2^256 has 78 digits, so any
 * wei amount fits) and canonical integer TEXT in SQLite (its INTEGER is 64-bit and wei
 * does not fit), checked by a CHECK constraint. Prices in ticks, quantities in lots,
 * sequence numbers and ms timestamps are 64-bit integers. No REAL/float anywhere.
 * SQLite tables are STRICT so a value of the wrong type is refused, not coerced.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: Readonly<Record<Dialect, string>>;
}

interface Types {
  int: string;
  blob: string;
  text: string;
  strict: string;
  /** An unsigned amount column definition. */
  amount: (col: string) => string;
  /** A signed amount column definition (ledger deltas and balances). */
  signed: (col: string) => string;
}

// Canonical: no sign, no leading zero (except "0 "itself), digits only, at most 78 digits.
const sqliteUnsigned = (c: string) => `${c} TEXT NOT NULL CHECK (length(${c}) BETWEEN 1 AND 78 AND ${c} NOT GLOB '*[^0-9]*' AND (${c} = '0' OR ${c} NOT GLOB '0*'))`;
const sqliteSigned = (c: string) =>
  `${c} TEXT NOT NULL CHECK (length(${c}) BETWEEN 1 AND 79 AND CASE WHEN substr(${c}, 1, 1) = '-' THEN substr(${c}, 2) GLOB '[1-9]*' AND substr(${c}, 2) NOT GLOB '*[^0-9]*' ELSE ${c} NOT GLOB '*[^0-9]*' AND (${c} = '0' OR ${c} NOT GLOB '0*') END)`;

const TYPES: Readonly<Record<Dialect, Types>> = {
  sqlite: { int: 'INTEGER', blob: 'BLOB', text: 'TEXT', strict: ' STRICT', amount: sqliteUnsigned, signed: sqliteSigned },
  postgres: {
    int: 'bigint',
    blob: 'bytea',
    text: 'text',
    strict: '',
    amount: (c) => `${c} numeric(78,0) NOT NULL CHECK (${c} >= 0)`,
    signed: (c) => `${c} numeric(78,0) NOT NULL`,
  },
};

function journalSchema(t: Types): string {
  return `
CREATE TABLE journal (seq ${t.int} PRIMARY KEY CHECK (seq > 0), frame ${t.blob} NOT NULL)${t.strict};
CREATE TABLE snapshots (seq ${t.int} PRIMARY KEY CHECK (seq >= 0), bytes ${t.blob} NOT NULL, created_ts ${t.int} NOT NULL)${t.strict};
`;
}

function readModels(t: Types): string {
  const I = t.int;
  const T = t.text;
  return `
CREATE TABLE projection_state (id ${I} PRIMARY KEY CHECK (id = 1), last_seq ${I} NOT NULL)${t.strict};
INSERT INTO projection_state (id, last_seq) VALUES (1, 0);

CREATE TABLE orders (
  id ${I} PRIMARY KEY,
  user_id ${I} NOT NULL,
  market ${T} NOT NULL,
  side ${T} NOT NULL CHECK (side IN ('buy', 'sell')),
  kind ${T} NOT NULL CHECK (kind IN ('limit', 'market')),
  tif ${T} NOT NULL CHECK (tif IN ('GTC', 'IOC', 'FOK')),
  post_only ${I} NOT NULL CHECK (post_only IN (0, 1)),
  price_ticks ${I} NOT NULL,
  qty_lots ${I} NOT NULL,
  filled_lots ${I} NOT NULL,
  ${t.amount('quote_amount')},
  status ${T} NOT NULL CHECK (status IN ('open', 'filled', 'canceled', 'expired', 'stp')),
  client_order_id ${T},
  created_seq ${I} NOT NULL,
  created_ts ${I} NOT NULL,
  updated_ts ${I} NOT NULL
)${t.strict};
CREATE INDEX orders_user_open ON orders (user_id, id) WHERE status = 'open';
CREATE INDEX orders_user_closed ON orders (user_id, id) WHERE status <> 'open';

CREATE TABLE fills (
  trade_id ${I} PRIMARY KEY,
  seq ${I} NOT NULL,
  market ${T} NOT NULL,
  price_ticks ${I} NOT NULL,
  qty_lots ${I} NOT NULL,
  taker_side ${T} NOT NULL CHECK (taker_side IN ('buy', 'sell')),
  maker_order_id ${I} NOT NULL,
  taker_order_id ${I} NOT NULL,
  maker_user_id ${I} NOT NULL,
  taker_user_id ${I} NOT NULL,
  ${t.amount('base_amount')},
  ${t.amount('buyer_paid')},
  ${t.amount('seller_got')},
  ${t.amount('buyer_fee')},
  ${t.amount('seller_fee')},
  ts ${I} NOT NULL
)${t.strict};
CREATE INDEX fills_maker_user ON fills (maker_user_id, trade_id);
CREATE INDEX fills_taker_user ON fills (taker_user_id, trade_id);
CREATE INDEX fills_market ON fills (market, trade_id);

CREATE TABLE ledger_entries (
  seq ${I} NOT NULL,
  entry_idx ${I} NOT NULL,
  account_key ${T} NOT NULL,
  user_id ${I} NOT NULL,
  asset ${T} NOT NULL,
  ${t.signed('delta')},
  ${t.signed('balance')},
  counter_account ${T} NOT NULL,
  ts ${I} NOT NULL,
  PRIMARY KEY (seq, entry_idx)
)${t.strict};
CREATE INDEX ledger_user_ts ON ledger_entries (user_id, ts, seq, entry_idx);

CREATE TABLE balances (
  account_key ${T} PRIMARY KEY,
  user_id ${I} NOT NULL,
  asset ${T} NOT NULL,
  ${t.signed('balance')},
  last_seq ${I} NOT NULL
)${t.strict};
CREATE INDEX balances_user ON balances (user_id, account_key);

CREATE TABLE deposits (
  seq ${I} PRIMARY KEY,
  user_id ${I} NOT NULL,
  asset ${T} NOT NULL,
  ${t.amount('amount')},
  source ${T} NOT NULL CHECK (source IN ('bank', 'chain', 'manual')),
  ref ${T} NOT NULL UNIQUE,
  bucket ${T} NOT NULL CHECK (bucket IN ('available', 'frozen')),
  ts ${I} NOT NULL
)${t.strict};
CREATE INDEX deposits_user ON deposits (user_id, seq);

CREATE TABLE withdrawals (
  withdrawal_id ${T} PRIMARY KEY,
  seq ${I} NOT NULL UNIQUE,
  user_id ${I} NOT NULL,
  asset ${T} NOT NULL,
  ${t.amount('amount')},
  ${t.amount('fee')},
  destination ${T} NOT NULL,
  state ${T} NOT NULL CHECK (state IN ('requested', 'held', 'approved', 'authorized', 'settled', 'cancelled')),
  tx_ref ${T},
  reason ${T},
  requested_ts ${I} NOT NULL,
  updated_ts ${I} NOT NULL
)${t.strict};
CREATE INDEX withdrawals_user ON withdrawals (user_id, seq);

CREATE TABLE withdrawal_events (
  withdrawal_id ${T} NOT NULL,
  seq ${I} NOT NULL,
  state ${T} NOT NULL,
  detail ${T},
  ts ${I} NOT NULL,
  PRIMARY KEY (withdrawal_id, seq, state)
)${t.strict};

CREATE TABLE candles (
  market ${T} NOT NULL,
  period ${T} NOT NULL CHECK (period IN ('1m', '5m', '1h', '1d')),
  bucket_ts ${I} NOT NULL,
  open_ticks ${I} NOT NULL,
  high_ticks ${I} NOT NULL,
  low_ticks ${I} NOT NULL,
  close_ticks ${I} NOT NULL,
  volume_lots ${I} NOT NULL,
  ${t.amount('volume_quote')},
  trades ${I} NOT NULL,
  PRIMARY KEY (market, period, bucket_ts)
)${t.strict};

CREATE TABLE audit_log (
  seq ${I} PRIMARY KEY,
  at_ts ${I} NOT NULL,
  actor ${T} NOT NULL,
  action ${T} NOT NULL,
  ip ${T},
  before_json ${T},
  after_json ${T},
  prev_hash ${T} NOT NULL,
  hash ${T} NOT NULL UNIQUE
)${t.strict};
`;
}

function build(version: number, name: string, f: (t: Types) => string): Migration {
  return { version, name, sql: { sqlite: f(TYPES.sqlite), postgres: f(TYPES.postgres) } };
}

export const MIGRATIONS: readonly Migration[] = [build(1, 'journal and snapshots', journalSchema), build(2, 'read models and audit log', readModels)];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const VERSION_TABLE = 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ts BIGINT NOT NULL)';

async function currentVersion(q: SqlRunner): Promise<number> {
  const [row] = await q.all<{ v: number | string | null }>('SELECT max(version) AS v FROM schema_version');
  return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
}

/** The schema version a database is at (0 when empty); refuses one newer than this code. */
export async function schemaVersion(db: SqlDb): Promise<number> {
  await db.exec(VERSION_TABLE);
  const v = await currentVersion(db);
  if (v > SCHEMA_VERSION) throw new StoreError('STORE_SCHEMA_TOO_NEW', 'database schema is newer than this code; upgrade Rampart', { found: v, known: SCHEMA_VERSION });
  return v;
}

/**
 * Brings the schema up to date; `rampart migrate` and every open call this. Each step is
 * one transaction; on PostgreSQL an advisory lock serialises concurrent starters.
 */
export async function migrate(db: SqlDb, migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  await db.exec(VERSION_TABLE);
  const from = await currentVersion(db);
  if (from > known) throw new StoreError('STORE_SCHEMA_TOO_NEW', 'database schema is newer than this code; upgrade Rampart', { found: from, known });
  let to = from;
  for (const m of migrations) {
    if (m.version <= from) continue;
    await db.tx(async (q) => {
      if (q.dialect === 'postgres') await q.run('SELECT pg_advisory_xact_lock(7243001)');
      const now = await currentVersion(q);
      if (now >= m.version) return; // another node applied it while we waited
      if (now !== m.version - 1) throw new StoreError('STORE_SCHEMA_TOO_NEW', 'schema version moved unexpectedly', { found: now, applying: m.version });
      await q.exec(m.sql[q.dialect]);
      await q.run('INSERT INTO schema_version (version, name, applied_ts) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
    });
    to = m.version;
  }
  return { from, to };
}
