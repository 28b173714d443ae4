import { parseArgs } from 'node:util';
import { runCoreBench } from './coreBench.ts';
import { readWorkloadFile } from './workload.ts';

/**
 * `npm run bench [-- flags]`. Prints human-readable figures, and with --json one JSON
 * object as the last line. Benchmarks measure; tests never assert on time.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    durable: { type: 'boolean', default: false },
    workload: { type: 'string' },
    commands: { type: 'string', default: '3000000' },
    accounts: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    burst: { type: 'string', default: '2000' },
    inflight: { type: 'string', default: '20000' },
    store: { type: 'string' },
    por: { type: 'boolean', default: false },
    http: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '64' },
  },
  strict: true,
});

async function main(): Promise<Record<string, unknown>> {
  if (values.store !== undefined && !values.durable) {
    const mod = (await import('../store/index.ts')) as unknown as { runStoreBench?: (o: { store: string }) => Promise<Record<string, unknown>> };
    if (mod.runStoreBench === undefined) throw new Error('store benchmark not available');
    return mod.runStoreBench({ store: values.store });
  }
  if (values.http) {
    const { runHttpBench } = await import('../api/httpBench.ts');
    return (await runHttpBench({ durationMs: Number(values.duration), connections: Number(values.connections) })) as unknown as Record<string, unknown>;
  }
  if (values.por) {
    const mod = (await import('../reserves/index.ts')) as unknown as { runPorBench?: (o: { accounts: number }) => Promise<Record<string, unknown>> | Record<string, unknown> };
    if (mod.runPorBench === undefined) throw new Error('proof-of-reserves benchmark not available');
    return mod.runPorBench({ accounts: Number(values.accounts === '1000' ? 1_000_000 : values.accounts) });
  }
  const commands = Number(values.commands);
  const workload = values.workload === undefined ? undefined : readWorkloadFile(values.workload);
  // Warm-up so the measured run sees optimised code (V8 tiers up after a few thousand calls).
  await runCoreBench({ commands: Math.min(200_000, commands), accounts: Number(values.accounts), seed: 99, durable: false, burst: 1 });
  return runCoreBench({
    commands: values.durable ? Math.min(commands, 1_000_000) : commands,
    accounts: Number(values.accounts),
    seed: Number(values.seed),
    durable: values.durable,
    burst: Number(values.burst),
    inflightMax: Number(values.inflight),
    ...(values.store !== undefined ? { journalStore: values.store as 'file' | 'sqlite' | 'postgres' } : {}),
    ...(workload ? { workload, workloadName: values.workload } : {}),
  });
}

const result = await main();
if (!values.json) {
  for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
}
console.log(JSON.stringify(result));
