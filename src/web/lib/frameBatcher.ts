/**
 * Coalesces a burst of updates into one render per animation frame: thousands of
 * book diffs a second cost one re-render per frame, not one per diff. The scheduler
 * is injected (requestAnimationFrame in the browser, a manual tick in tests).
 */
export type Schedule = (run: () => void) => unknown;

export class FrameBatcher<T> {
  private queue: T[] = [];
  private scheduled = false;
  /** Flushes so far (renders caused), for tests and the dev overlay. */
  flushes = 0;

  constructor(
    private readonly schedule: Schedule,
    private readonly flush: (items: T[]) => void,
    /** Bound on queued items: past it the queue is flushed at once rather than grown without limit. */
    private readonly queueMax = 10_000,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.queue.length >= this.queueMax) {
      this.run();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.run());
    }
  }

  private run(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.flushes++;
    this.flush(items);
  }
}
