import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AuditEntry, type AuditInput, appendAudit, verifyAuditChain } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import { IncidentError } from './errors.ts';

/** Bound on entries one log holds in memory (an incident produces hundreds, not millions). */
export const LOG_ENTRIES_MAX = 1_000_000;
/** Largest log file read at open. */
export const LOG_FILE_BYTES_MAX = 512 * 1024 * 1024;

/**
 * The incident audit log: the identity domain's hash-chained audit entries
 * (src/identity/audit.ts), appended to a JSON-lines file and fsynced per entry, so
 * every staff action and every automatic response is evidence a regulator can verify.
 * The report (report.ts) is built from this log and the journal alone.
 */
export class IncidentLog {
  readonly #entries: AuditEntry[] = [];
  readonly #path: string | null;
  readonly #listeners: Array<(e: AuditEntry) => void> = [];

  private constructor(path: string | null, entries: AuditEntry[]) {
    this.#path = path;
    this.#entries = entries;
  }

  /** In memory only (tests, dry runs). */
  static memory(): IncidentLog {
    return new IncidentLog(null, []);
  }

  /** Opens (or creates) the log file and verifies its whole chain; a broken chain refuses to open. */
  static openFile(path: string): IncidentLog {
    mkdirSync(dirname(path), { recursive: true });
    const entries: AuditEntry[] = [];
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.length > LOG_FILE_BYTES_MAX) throw new IncidentError('LOG_CORRUPT', 'incident log too large', { path });
      const lines = text.split('\n');
      for (const [i, line] of lines.entries()) {
        if (line.length === 0) continue;
        try {
          entries.push(JSON.parse(line) as AuditEntry);
        } catch {
          // A torn last line (crash mid-write, never acknowledged) is cut; anything else is corruption.
          if (i === lines.length - 1) break;
          throw new IncidentError('LOG_CORRUPT', 'incident log line is not JSON', { line: i + 1 });
        }
      }
      const v = verifyAuditChain(entries);
      if (!v.ok) throw new IncidentError('LOG_CORRUPT', 'incident log hash chain is broken', { brokenAtSeq: v.brokenAtSeq, reason: v.reason });
    }
    return new IncidentLog(path, entries);
  }

  get entries(): readonly AuditEntry[] {
    return this.#entries;
  }

  get head(): AuditEntry | null {
    return this.#entries[this.#entries.length - 1] ?? null;
  }

  onAppend(listener: (e: AuditEntry) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Appends one entry (durable on return when file-backed). Time never goes backwards:
   * an earlier `atMs` is raised to the head's time, so clocks of different callers
   * cannot break the chain.
   */
  append(input: AuditInput): AuditEntry {
    if (this.#entries.length >= LOG_ENTRIES_MAX) throw new IncidentError('LOG_CORRUPT', 'incident log is at its stated maximum', { max: LOG_ENTRIES_MAX });
    const prev = this.head;
    const atMs = prev !== null && input.atMs < prev.atMs ? prev.atMs : input.atMs;
    const entry = appendAudit(prev, { ...input, atMs });
    if (this.#path !== null) {
      const fd = openSync(this.#path, 'a');
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.#entries.push(entry);
    assert(entry.seq === this.#entries.length, 'incident log sequence is dense');
    for (const l of this.#listeners) l(entry);
    return entry;
  }

  verify(): ReturnType<typeof verifyAuditChain> {
    return verifyAuditChain(this.#entries);
  }
}
