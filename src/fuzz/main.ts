import { parseArgs } from 'node:util';
import { runFuzz } from './run.ts';

/** `npm run fuzz -- [--cases N] [--seed S] [--only TARGET] [--path P]`: exits 1 on any failure. */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, path: { type: 'string' } } });
  const cases = Number(values.cases ?? 100_000);
  if (!Number.isSafeInteger(cases) || cases < 1) throw new Error('--cases must be a positive integer');
  const r = await runFuzz({
    cases,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.only === undefined ? {} : { only: values.only }),
    ...(values.path === undefined ? {} : { path: values.path }),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  const failed = r.results.filter((x) => x.failure !== null);
  process.stdout.write(`fuzz seed ${r.seed}: ${r.total} cases over ${r.results.length} targets in ${r.ms} ms; API statuses ${JSON.stringify(r.apiStatuses)}\n`);
  if (failed.length > 0) {
    process.stdout.write(`FAILED ${failed.length} target(s): ${failed.map((f) => `${f.name} (--only ${f.name} --seed ${f.failure!.seed} --path ${f.failure!.path})`).join(', ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
