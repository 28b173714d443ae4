import { type AuditEntry, type AuditInput, appendAudit, verifyAuditChain } from '../identity/index.ts';
import type { AuditRow, Store } from '../store/index.ts';

/**
 * The tamper-evident audit trail: entries chained by identity/audit.ts (each holds the
 * hash of the one before), stored by the store in its audit_log table. Appends are
 * serialised so the chain never forks within a process.
 */
export class AuditTrail {
  private head: AuditEntry | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<AuditTrail> {
    const t = new AuditTrail(store);
    const row = await store.queries.auditHead();
    t.head = row === null ? null : rowToEntry(row);
    return t;
  }

  record(input: AuditInput): Promise<AuditEntry> {
    const next = this.tail.then(async () => {
      const entry = appendAudit(this.head, { ...input, atMs: Math.max(input.atMs, this.head?.atMs ?? 0) });
      await this.store.appendAudit([entryToRow(entry)]);
      this.head = entry;
      return entry;
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export function entryToRow(e: AuditEntry): AuditRow {
  return { seq: e.seq, atTs: e.atMs, actor: e.actor, action: e.action, ip: e.ip, beforeJson: e.before === null ? null : JSON.stringify(e.before), afterJson: e.after === null ? null : JSON.stringify(e.after), prevHash: e.prevHash, hash: e.hash };
}

export function rowToEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    atMs: r.atTs,
    actor: r.actor,
    action: r.action,
    ip: r.ip ?? '',
    before: r.beforeJson === null ? null : JSON.parse(r.beforeJson),
    after: r.afterJson === null ? null : JSON.parse(r.afterJson),
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** `rampart audit verify`: reads the whole trail and checks every link; any edit, deletion, insertion or reordering fails. */
export async function verifyAuditTrail(store: Store): Promise<{ ok: boolean; entries: number; brokenAtSeq?: number; reason?: string; head?: string }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.queries.auditLog({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const r of page.items) entries.push(rowToEntry(r));
    if (page.nextCursor === null || page.nextCursor === undefined) break;
    cursor = page.nextCursor;
  }
  entries.sort((a, b) => a.seq - b.seq);
  const r = verifyAuditChain(entries);
  return { ok: r.ok, entries: entries.length, ...(r.ok ? {} : { brokenAtSeq: r.brokenAtSeq, reason: r.reason }), ...(entries.length > 0 ? { head: entries[entries.length - 1]!.hash } : {}) };
}
