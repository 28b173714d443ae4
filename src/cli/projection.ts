import type { Command } from '../core/commands.ts';
import { ExchangeCore } from '../core/exchange.ts';
import type { CommandResult } from '../core/events.ts';
import type { Engine } from '../engine/engine.ts';
import { decodeCommand } from '../journal/codec.ts';
import { readChain } from '../journal/journal.ts';
import { GENESIS_HASH } from '../journal/record.ts';
import { type ProjectionInput, projectionInput, type Store } from '../store/index.ts';

/** Largest batch one projection transaction carries: keeps journal commits on SQLite short. */
export const PROJECTION_BATCH_MAX = 200;

/**
 * Feeds the read models from durable engine results, in sequence order, batched into
 * small transactions off the acknowledgement path. At start it catches up from the
 * journal (the projector records the last sequence it applied, so this is exactly-once).
 */
export class ProjectionPump {
  private queue: ProjectionInput[] = [];
  private running: Promise<void> | null = null;
  failures = 0;
  /** After a failed batch the pump stops (no gaps in the read models); the next start catches up. */
  broken = false;
  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
  ) {}

  static async start(engine: Engine, store: Store): Promise<ProjectionPump> {
    const pump = new ProjectionPump(engine, store);
    await pump.catchUp();
    engine.onResult((cmd, result) => pump.push(cmd, result));
    return pump;
  }

  /** Replays the journal through a scratch core to project whatever the read models have not seen. */
  private async catchUp(): Promise<void> {
    const last = await this.store.projector.lastSeq();
    if (last >= this.engine.core.seq) return;
    const scratch = new ExchangeCore(this.engine.core.config);
    let batch: ProjectionInput[] = [];
    const pending: Array<Promise<unknown>> = [];
    await readChain(this.store.journal, 1, GENESIS_HASH, (seq, payload) => {
      const cmd = decodeCommand(payload);
      const result = scratch.apply(cmd);
      if (seq <= last) return;
      batch.push(projectionInput(scratch, cmd, result));
      if (batch.length >= PROJECTION_BATCH_MAX) {
        const b = batch;
        batch = [];
        pending.push(this.store.projector.apply(b));
      }
    }, { toSeq: this.engine.core.seq });
    for (const p of pending) await p;
    if (batch.length > 0) await this.store.projector.apply(batch);
  }

  push(cmd: Command, result: CommandResult): void {
    if (this.broken) return;
    this.queue.push(projectionInput(this.engine.core, cmd, result));
    if (this.running === null) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, PROJECTION_BATCH_MAX);
        try {
          await this.store.projector.apply(batch);
        } catch {
          // Read models lag but never lie: the next start catches up from the journal.
          this.failures++;
          this.broken = true;
          this.queue = [];
        }
      }
    } finally {
      this.running = null;
    }
  }

  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }
}
