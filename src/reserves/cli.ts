import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ExchangeCore } from '../core/exchange.ts';
import type { MaybeAsyncSignatureVerifier, ReservesBundle } from './bundle.ts';
import { ReservesError } from './errors.ts';
import { verifyBundleFile, verifyProofFile } from './files.ts';
import { liabilitiesTreeFromCore } from './liabilities.ts';
import { PorStore, type Publication } from './publish.ts';
import type { PublishedSnapshot } from './tree.ts';

/**
 * `rampart por …`, as a function the main CLI calls with the words after "por":
 *
 *   verify PROOF.json [--root HEX | --snapshot SNAPSHOT.json] [--customer ID]   a customer's proof
 *   verify-bundle BUNDLE.json [--snapshot SNAPSHOT.json]                         an auditor's check
 *   publish --data-dir DIR                                                       publish / show figures
 *
 * Every command takes --json: human lines are then left out and one JSON object is the last
 * line (the CLI's convention). Returns the exit code: 0 ok, 1 check failed, 2 usage.
 * `publish` makes a new snapshot when given a core (the lead's wiring opens it from the data
 * directory); without one it prints the latest publication and re-renders the public page.
 */

export interface PorCliDeps {
  write?: (text: string) => void;
  /** publish: the ledger to snapshot (a pure read between commands). */
  core?: ExchangeCore;
  /** publish: the reserves bundle for the snapshot header (collectReserves + signatures + buildReservesBundle). */
  bundle?: (header: { snapshotTime: string; journalSeq: string; liabilitiesRootHash: string }) => Promise<ReservesBundle | undefined>;
  /** Signature verifiers (default BTC BIP-322, ETH EIP-191). */
  verifiers?: Readonly<Record<string, MaybeAsyncSignatureVerifier>>;
  now?: () => number;
  random?: (bytes: number) => Uint8Array;
  workers?: number;
}

const USAGE = `usage: rampart por verify PROOF.json [--root HEX | --snapshot SNAPSHOT.json] [--customer ID] [--json]
       rampart por verify-bundle BUNDLE.json [--snapshot SNAPSHOT.json] [--json]
       rampart por publish --data-dir DIR [--json]
`;

function readSnapshot(path: string): PublishedSnapshot {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PublishedSnapshot;
  } catch (e) {
    throw new ReservesError('POR_FILE', `cannot read snapshot ${path}`, { reason: e instanceof Error ? e.message.slice(0, 200) : String(e) });
  }
}

function figures(p: Publication): string[] {
  const lines = [`snapshot ${p.snapshotTime} (journal seq ${p.journalSeq}), ${p.leafCount} customers`, `  root ${p.rootHash}`];
  p.assets.forEach((a, i) => {
    const r = p.ratios?.[a];
    lines.push(`  ${a.padEnd(4)} liabilities ${p.totals[i]}${r ? `  reserves ${r.reserves}  ratio ${r.ratio} ${r.covered ? 'covered' : 'SHORT'}` : '  (no reserves bundle)'}`);
  });
  return lines;
}

export async function porCli(args: readonly string[], deps: PorCliDeps = {}): Promise<number> {
  const write = deps.write ?? ((s: string) => process.stdout.write(s));
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        root: { type: 'string' },
        snapshot: { type: 'string' },
        customer: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  try {
    parsed = parse();
  } catch (e) {
    write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [command, file] = positionals;
  const json = v.json === true;
  const line = (text: string) => {
    if (!json) write(`${text}\n`);
  };
  const result = (obj: Record<string, unknown>) => {
    if (json) write(`${JSON.stringify(obj)}\n`);
  };
  try {
    switch (command) {
      case 'verify': {
        if (file === undefined) throw new ReservesError('POR_INPUT', 'give the proof file', {});
        const publishedRoot = v.snapshot !== undefined ? readSnapshot(v.snapshot) : v.root?.toLowerCase();
        const r = verifyProofFile(file, { ...(publishedRoot === undefined ? {} : { publishedRoot }), ...(v.customer === undefined ? {} : { customerId: v.customer }) });
        for (const l of r.lines) line(l);
        result({ ok: r.ok, ...(r.code === undefined ? {} : { code: r.code }), rootGiven: publishedRoot !== undefined });
        return r.ok ? 0 : 1;
      }
      case 'verify-bundle': {
        if (file === undefined) throw new ReservesError('POR_INPUT', 'give the bundle file', {});
        const r = await verifyBundleFile(file, { ...(deps.verifiers ? { verifiers: deps.verifiers } : {}), ...(v.snapshot === undefined ? {} : { liabilities: readSnapshot(v.snapshot) }) });
        for (const l of r.lines) line(l);
        result({ ok: r.ok, ...(r.code === undefined ? {} : { code: r.code }) });
        return r.ok ? 0 : 1;
      }
      case 'publish': {
        const dataDir = v['data-dir'];
        if (dataDir === undefined) throw new ReservesError('POR_INPUT', '--data-dir is required', {});
        const store = new PorStore(dataDir);
        let publication: Publication | undefined;
        if (deps.core !== undefined) {
          const salt = (deps.random ?? ((n: number) => randomBytes(n)))(32);
          const { tree, liabilities } = await liabilitiesTreeFromCore(deps.core, salt, { workers: deps.workers ?? 2 });
          const header = { snapshotTime: tree.published.snapshotTime, journalSeq: tree.published.journalSeq, liabilitiesRootHash: tree.published.rootHash };
          const bundle = await deps.bundle?.(header);
          publication = await store.publish({
            tree,
            accounts: liabilities.accounts,
            snapshotSalt: salt,
            ...(bundle === undefined ? {} : { bundle }),
            ...(deps.verifiers === undefined ? {} : { verifiers: deps.verifiers }),
            publishedAtMs: (deps.now ?? Date.now)(),
          });
          line('published:');
        } else {
          publication = store.latestPublication();
          store.writePublicPage();
        }
        if (publication === undefined) {
          line('no snapshot published yet');
          result({ ok: true, published: null });
          return 0;
        }
        for (const l of figures(publication)) line(l);
        line(`public page: ${store.dir}/index.html`);
        result({ ok: true, published: publication, page: `${store.dir}/index.html` });
        return 0;
      }
      default:
        write(USAGE);
        return 2;
    }
  } catch (e) {
    const code = e instanceof ReservesError ? e.code : 'INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    if (json) write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
    else write(`fail: ${code}: ${message}\n`);
    return code === 'POR_INPUT' ? 2 : 1;
  }
}
