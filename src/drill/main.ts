import { DrillError } from './errors.ts';
import { type DrillResult, runDrill } from './drill.ts';

/**
 * CLI: `node --import tsx src/drill/main.ts [--data-dir DIR] [--haircut] [--json]`.
 * Prints the measured timeline; with --json, one JSON object as the last line. Exit
 * code 0 when every invariant holds, 1 when one fails, 2 on bad arguments or a crash.
 */

export interface DrillArgs {
  readonly dataDir?: string;
  readonly haircut: boolean;
  readonly json: boolean;
}

export function parseDrillArgs(argv: readonly string[]): DrillArgs {
  let dataDir: string | undefined;
  let haircut = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--haircut') haircut = true;
    else if (a === '--json') json = true;
    else if (a === '--data-dir') {
      const v = argv[++i];
      if (v === undefined || v.length === 0 || v.startsWith('--')) throw new DrillError('ARGS_INVALID', '--data-dir needs a directory');
      dataDir = v;
    } else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else throw new DrillError('ARGS_INVALID', `unknown argument ${a.slice(0, 80)}`, { usage: 'rampart drill [--data-dir DIR] [--haircut] [--json]' });
  }
  return { ...(dataDir === undefined ? {} : { dataDir }), haircut, json };
}

/** The JSON line: bigints are already strings in the result; the timeline stays in it. */
export function resultJson(r: DrillResult): string {
  return JSON.stringify(r);
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: DrillArgs;
  try {
    args = parseDrillArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  try {
    const r = await runDrill({ ...(args.dataDir === undefined ? {} : { dataDir: args.dataDir }), haircut: args.haircut, log: (line) => console.log(line) });
    console.log(`report: ${r.report_path} (${r.report_html_path}); status page: ${r.status_page_path}`);
    if (r.variant === 'haircut') console.log(`haircut: ${JSON.stringify(r.haircut.byAsset)} over ${r.haircut.customers.length} customer-asset claims; reserve ratio with claims ${JSON.stringify(r.reserve_ratio_with_claims)}`);
    if (args.json) console.log(resultJson(r));
    return r.invariants_ok ? 0 : 1;
  } catch (e) {
    console.error(`drill failed: ${e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e)}`);
    return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
