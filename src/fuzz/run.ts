import fc from 'fast-check';
import { apiTarget } from './api.ts';
import { FuzzViolation, outcomes, parserTargets, type Target } from './targets.ts';

/**
 * Runs every fuzz target with fast-check, splitting `cases` by weight. A failure keeps
 * fast-check's seed and path, so `--seed S --path P --only NAME` replays it exactly.
 */
export interface FuzzOptions {
  cases: number;
  seed?: number;
  only?: string;
  path?: string;
  log?: (line: string) => void;
}

export interface TargetResult {
  name: string;
  cases: number;
  /** Parser calls that returned / threw a typed error (a target may call several). */
  accepted: number;
  rejected: number;
  ms: number;
  failure: { seed: number; path: string; counterexample: string; error: string } | null;
}

export interface FuzzReport {
  seed: number;
  total: number;
  ms: number;
  results: TargetResult[];
  apiStatuses: Record<string, number>;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const log = opts.log ?? (() => undefined);
  const api = await apiTarget();
  const targets: Target[] = [...parserTargets, api.target].filter((t) => opts.only === undefined || t.name === opts.only);
  const weights = targets.reduce((s, t) => s + t.weight, 0);
  const results: TargetResult[] = [];
  const t0 = performance.now();
  try {
    for (const t of targets) {
      const numRuns = Math.max(1, Math.ceil((opts.cases * t.weight) / weights));
      let ran = 0;
      outcomes.accepted = 0;
      outcomes.rejected = 0;
      const t1 = performance.now();
      const out = await fc.check(
        fc.asyncProperty(t.arb, async (x) => {
          ran++;
          await t.run(x);
        }),
        { numRuns, seed, ...(opts.path === undefined ? {} : { path: opts.path }), endOnFailure: false, maxSkipsPerRun: 0 },
      );
      const ms = Math.round(performance.now() - t1);
      const failure = out.failed
        ? { seed: out.seed, path: out.counterexamplePath ?? '', counterexample: fc.stringify(out.counterexample).slice(0, 2_000), error: out.errorInstance instanceof FuzzViolation ? out.errorInstance.message : String(out.errorInstance) }
        : null;
      results.push({ name: t.name, cases: ran, accepted: outcomes.accepted, rejected: outcomes.rejected, ms, failure });
      log(`${t.name.padEnd(34)} ${String(ran).padStart(7)} cases (${outcomes.accepted} accepted, ${outcomes.rejected} typed rejections) ${String(ms).padStart(6)} ms  ${failure === null ? 'ok' : `FAIL seed ${failure.seed} path ${failure.path}: ${failure.error}\n    input: ${failure.counterexample}`}`);
    }
  } finally {
    await api.close();
  }
  return {
    seed,
    total: results.reduce((s, r) => s + r.cases, 0),
    ms: Math.round(performance.now() - t0),
    results,
    apiStatuses: Object.fromEntries([...api.statusCounts].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
  };
}
