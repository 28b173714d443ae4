import { assert } from '../shared/assert.ts';
import type { Command } from '../core/commands.ts';
import type { CoreConfig } from '../core/config.ts';
import { ExchangeCore } from '../core/exchange.ts';
import type { CommandResult } from '../core/events.ts';
import { restoreSnapshot, type SnapshotV1, takeSnapshot } from '../core/snapshot.ts';
import type { JournalBackend, SnapshotBackend } from '../journal/backend.ts';
import { decodeCommand, encodeCommand } from '../journal/codec.ts';
import { hashAt, Journal, readChain } from '../journal/journal.ts';
import { RampartError } from '../shared/errors.ts';

export class EngineError extends RampartError {}

/** A command as producers submit it: the engine stamps the time. */
export type Submission = Command extends infer C ? (C extends { ts: number } ? Omit<C, 'ts'> : never) : never;

export interface EngineOptions {
  readonly config: CoreConfig;
  readonly backend: JournalBackend & SnapshotBackend;
  /** Wall clock in ms; the only clock anywhere near the core. Injected so simulations control time. */
  readonly clock: () => number;
  /** Take a snapshot every this many commands (0 = never automatically). */
  readonly snapshotEveryCommands?: number;
}

export type ResultListener = (cmd: Command, result: CommandResult) => void;

/**
 * The single writer. It stamps each submission with the time, journals it, applies it
 * to the core, and acknowledges only after the journal made it durable; listeners
 * (read models, market data, side-effect drivers) see results in sequence order, after
 * durability, so nothing outside ever acts on a command that could be lost.
 */
export class Engine {
  readonly core: ExchangeCore;
  readonly journal: Journal;
  private readonly options: EngineOptions;
  private readonly listeners: ResultListener[] = [];
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  /** Commands replayed at open, and from which snapshot. */
  readonly recovery: { snapshotSeq: number; replayed: number; tornBytesCut: number };

  private constructor(options: EngineOptions, core: ExchangeCore, journal: Journal, recovery: Engine['recovery']) {
    this.options = options;
    this.core = core;
    this.journal = journal;
    this.recovery = recovery;
  }

  /** Loads the newest valid snapshot not ahead of the journal, then replays the journal after it. */
  static async open(options: EngineOptions): Promise<Engine> {
    const journal = new Journal(options.backend);
    await journal.open();
    const { core, snapshotSeq } = await loadNewestSnapshot(options.config, options.backend, journal.lastSeq);
    const prev = await hashAt(options.backend, snapshotSeq);
    const r = await readChain(options.backend, snapshotSeq + 1, prev, (seq, payload) => {
      const result = core.apply(decodeCommand(payload));
      assert(result.seq === seq, 'replayed sequence differs from the journal', { seq, got: result.seq });
    });
    assert(core.seq === journal.lastSeq, 'core and journal disagree after recovery', { core: core.seq, journal: journal.lastSeq });
    core.checkInvariants();
    const torn = (options.backend as { tornBytesCut?: number }).tornBytesCut ?? 0;
    return new Engine(options, core, journal, { snapshotSeq, replayed: r.records, tornBytesCut: torn });
  }

  onResult(listener: ResultListener): void {
    this.listeners.push(listener);
  }

  /**
   * Submits one command. Resolves with its result once durable; rejects if the
   * journal failed (the engine then refuses everything: restart to recover).
   */
  submit(submission: Submission): Promise<CommandResult> {
    const failed = this.journal.failed;
    if (failed !== null) return Promise.reject(failed);
    const ts = Math.max(this.options.clock(), this.core.lastTs);
    const cmd = { ...submission, ts } as Command;
    const durable = this.journal.append(encodeCommand(cmd));
    const result = this.core.apply(cmd);
    assert(result.seq === this.journal.lastSeq, 'core and journal sequence diverged', { core: result.seq, journal: this.journal.lastSeq });
    const every = this.options.snapshotEveryCommands ?? 0;
    if (every > 0 && ++this.sinceSnapshot >= every && this.snapshotting === null) {
      this.sinceSnapshot = 0;
      void this.snapshot().catch(() => undefined);
    }
    return durable.then(() => {
      for (const l of this.listeners) l(cmd, result);
      return result;
    });
  }

  /**
   * Captures the state now and stores it once the journal is durable up to it, so a
   * snapshot never runs ahead of what a restart can replay. The core keeps running
   * while the bytes are written.
   */
  snapshot(): Promise<void> {
    if (this.snapshotting !== null) return this.snapshotting;
    const snap = takeSnapshot(this.core);
    const bytes = new TextEncoder().encode(JSON.stringify(snap));
    this.snapshotting = (async () => {
      try {
        await this.journal.sync();
        await this.options.backend.putSnapshot(snap.seq, bytes);
      } finally {
        this.snapshotting = null;
      }
    })();
    return this.snapshotting;
  }

  async close(): Promise<void> {
    if (this.snapshotting !== null) await this.snapshotting.catch(() => undefined);
    await this.journal.close();
  }
}

async function loadNewestSnapshot(config: CoreConfig, backend: SnapshotBackend, journalLastSeq: number): Promise<{ core: ExchangeCore; snapshotSeq: number }> {
  for (const seq of await backend.listSnapshots()) {
    if (seq > journalLastSeq) continue; // written ahead of a journal that lost its tail: unusable
    const bytes = await backend.getSnapshot(seq);
    if (bytes === null) continue;
    try {
      const snap = JSON.parse(new TextDecoder().decode(bytes)) as SnapshotV1;
      if (snap.seq !== seq) continue;
      return { core: restoreSnapshot(config, snap), snapshotSeq: seq };
    } catch {
      // A damaged snapshot is skipped; an older one or genesis replay still gives the same state.
    }
  }
  return { core: new ExchangeCore(config), snapshotSeq: 0 };
}

/**
 * Rebuilds the state "as of" a journal sequence number or a time (for forensics:
 * every balance at 07:16:00), replaying from genesis with the chain checked.
 */
export async function rebuildAsOf(config: CoreConfig, backend: JournalBackend, at: { seq?: number; ts?: number }): Promise<ExchangeCore> {
  const core = new ExchangeCore(config);
  const stop = new Error('stop');
  try {
    await readChain(
      backend,
      1,
      new Uint8Array(32),
      (_seq, payload) => {
        const cmd = decodeCommand(payload);
        if (at.ts !== undefined && cmd.ts > at.ts) throw stop;
        core.apply(cmd);
      },
      at.seq === undefined ? {} : { toSeq: at.seq },
    );
  } catch (e) {
    if (e !== stop) throw e;
  }
  core.checkInvariants();
  return core;
}
