import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../shared/assert.ts';
import { type MaybeAsyncSignatureVerifier, type ReservesBundle, bundleTotals, verifyBundleAsync } from './bundle.ts';
import { ReservesError } from './errors.ts';
import { renderPublicPage } from './page.ts';
import { reserveRatio } from './ratio.ts';
import { chainSignatureVerifiers } from './signatures.ts';
import { type CustomerBalances, type InclusionProof, type LiabilitiesTree, type PublishedSnapshot, buildLiabilitiesTreeParallel } from './tree.ts';

/**
 * The snapshot history store, as JSON files under `<dataDir>/reserves/`:
 *
 *   publications.json          every publication, oldest first (what history() serves)
 *   <rootHash>/snapshot.json   the published liabilities snapshot (root, totals, time, seq, size)
 *   <rootHash>/bundle.json     the auditor's reserves bundle (addresses, signatures, heights, bank)
 *   index.html                 the public page (renderPublicPage), no login
 *   private/<rootHash>.json    NOT public (mode 0600): the snapshot salt and the balances the tree
 *                              was built from, so proofs can be re-issued after a restart. The
 *                              salt is what keeps customers unlinkable; never serve this folder.
 *
 * Files are written to a temporary name and renamed, so a reader never sees half a file.
 */

export const PUBLICATIONS_MAX = 100_000;

export interface AssetRatioRecord {
  reserves: string;
  liabilities: string;
  /** Rounded down, 4 decimals (ratio.ts). */
  ratio: string;
  covered: boolean;
}

export interface Publication {
  version: 1;
  rootHash: string;
  snapshotTime: string;
  journalSeq: string;
  assets: string[];
  totals: string[];
  leafCount: number;
  /** When it was published (injected clock), ISO 8601 UTC. */
  publishedAt: string;
  /** Per asset; null when no reserves bundle was published with the snapshot. */
  ratios: Record<string, AssetRatioRecord> | null;
  allCovered: boolean | null;
  hasBundle: boolean;
}

export interface PublishInput {
  tree: LiabilitiesTree;
  /** The balances the tree was built from, and its salt: kept privately to re-issue proofs. */
  accounts: readonly CustomerBalances[];
  snapshotSalt: Uint8Array;
  bundle?: ReservesBundle;
  publishedAtMs: number;
  /** Bundle signature verifiers (default BTC BIP-322, ETH EIP-191). */
  verifiers?: Readonly<Record<string, MaybeAsyncSignatureVerifier>>;
}

const ROOT_RE = /^[0-9a-f]{64}$/;

function writeAtomic(path: string, text: string, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new ReservesError('POR_STORE', 'cannot read a reserves file', { path, reason: e instanceof Error ? e.message.slice(0, 200) : String(e) });
  }
}

export class PorStore {
  readonly dir: string;
  private cached: { rootHash: string; tree: LiabilitiesTree } | undefined;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'reserves');
  }

  private publicationsPath(): string {
    return join(this.dir, 'publications.json');
  }

  /** Every publication, oldest first. */
  private all(): Publication[] {
    const path = this.publicationsPath();
    if (!existsSync(path)) return [];
    const list = readJson<Publication[]>(path);
    if (!Array.isArray(list)) throw new ReservesError('POR_STORE', 'publications.json is not a list', {});
    return list;
  }

  /**
   * Publishes a snapshot: the liabilities snapshot, the reserves bundle (checked first: format,
   * signatures, totals, and that it answers this snapshot's root) and the ratio per asset.
   * Refuses to publish a second snapshot with the same root or an older journal sequence.
   */
  async publish(input: PublishInput): Promise<Publication> {
    const snap = input.tree.published;
    const list = this.all();
    if (list.some((p) => p.rootHash === snap.rootHash)) throw new ReservesError('POR_STORE', 'snapshot already published', { rootHash: snap.rootHash });
    const prev = list.at(-1);
    if (prev !== undefined && BigInt(prev.journalSeq) > BigInt(snap.journalSeq)) throw new ReservesError('POR_STORE', 'snapshot is older than the last published one', { journalSeq: snap.journalSeq });
    if (list.length >= PUBLICATIONS_MAX) throw new ReservesError('POR_STORE', `at most ${PUBLICATIONS_MAX} publications`, {});
    let ratios: Record<string, AssetRatioRecord> | null = null;
    let allCovered: boolean | null = null;
    if (input.bundle !== undefined) {
      const b = input.bundle;
      if (b.liabilitiesRootHash !== snap.rootHash || b.journalSeq !== snap.journalSeq || b.snapshotTime !== snap.snapshotTime) {
        throw new ReservesError('POR_STORE', 'reserves bundle answers another liabilities snapshot', { rootHash: b.liabilitiesRootHash });
      }
      const check = await verifyBundleAsync(b, input.verifiers ?? chainSignatureVerifiers());
      if (!check.ok) throw new ReservesError('POR_STORE', 'reserves bundle does not verify', { problems: check.problems.slice(0, 5) });
      const liabilities = Object.fromEntries(snap.assets.map((a, i) => [a, BigInt(snap.totals[i]!)]));
      const report = reserveRatio(bundleTotals(b), liabilities);
      ratios = Object.fromEntries(
        Object.values(report.byAsset).map((c) => [c.asset, { reserves: c.reservesMinor.toString(), liabilities: c.liabilitiesMinor.toString(), ratio: c.display, covered: c.covered }]),
      );
      allCovered = report.allCovered;
    }
    const publication: Publication = {
      version: 1,
      rootHash: snap.rootHash,
      snapshotTime: snap.snapshotTime,
      journalSeq: snap.journalSeq,
      assets: [...snap.assets],
      totals: [...snap.totals],
      leafCount: snap.leafCount,
      publishedAt: new Date(input.publishedAtMs).toISOString(),
      ratios,
      allCovered,
      hasBundle: input.bundle !== undefined,
    };
    const folder = join(this.dir, snap.rootHash);
    mkdirSync(folder, { recursive: true });
    mkdirSync(join(this.dir, 'private'), { recursive: true, mode: 0o700 });
    writeAtomic(
      join(this.dir, 'private', `${snap.rootHash}.json`),
      JSON.stringify({
        snapshotSalt: Buffer.from(input.snapshotSalt).toString('hex'),
        params: { assets: snap.assets, snapshotTime: snap.snapshotTime, journalSeq: snap.journalSeq },
        accounts: input.accounts.map((a) => [a.customerId, snap.assets.map((asset) => (a.balances[asset] ?? 0n).toString())]),
      }),
      0o600,
    );
    writeAtomic(join(folder, 'snapshot.json'), `${JSON.stringify(snap, null, 2)}\n`);
    if (input.bundle !== undefined) writeAtomic(join(folder, 'bundle.json'), `${JSON.stringify(input.bundle, null, 2)}\n`);
    // The list last: a publication is visible only once all its files are in place.
    writeAtomic(this.publicationsPath(), `${JSON.stringify([...list, publication], null, 1)}\n`);
    this.cached = { rootHash: snap.rootHash, tree: input.tree };
    writeAtomic(join(this.dir, 'index.html'), renderPublicPage(this.history()));
    return publication;
  }

  /** The newest publication, or undefined before the first. */
  latestPublication(): Publication | undefined {
    return this.all().at(-1);
  }

  /** Every publication, newest first. */
  history(): Publication[] {
    return this.all().reverse();
  }

  snapshot(rootHash: string): PublishedSnapshot {
    if (!ROOT_RE.test(rootHash)) throw new ReservesError('POR_STORE', 'unknown snapshot', {});
    return readJson<PublishedSnapshot>(join(this.dir, rootHash, 'snapshot.json'));
  }

  bundle(rootHash: string): ReservesBundle | undefined {
    if (!ROOT_RE.test(rootHash)) throw new ReservesError('POR_STORE', 'unknown snapshot', {});
    const path = join(this.dir, rootHash, 'bundle.json');
    return existsSync(path) ? readJson<ReservesBundle>(path) : undefined;
  }

  /**
   * A customer's inclusion proof in the latest snapshot (user id as number or string). After a
   * restart the tree is rebuilt once from the private file, and must give the published root.
   */
  async proofFor(userId: number | string): Promise<InclusionProof> {
    const latest = this.latestPublication();
    if (latest === undefined) throw new ReservesError('POR_STORE', 'no snapshot published yet', {});
    if (this.cached?.rootHash !== latest.rootHash) this.cached = { rootHash: latest.rootHash, tree: await this.rebuild(latest.rootHash) };
    return this.cached.tree.proofFor(String(userId));
  }

  private async rebuild(rootHash: string): Promise<LiabilitiesTree> {
    const saved = readJson<{ snapshotSalt: string; params: { assets: string[]; snapshotTime: string; journalSeq: string }; accounts: [string, string[]][] }>(
      join(this.dir, 'private', `${rootHash}.json`),
    );
    const { assets } = saved.params;
    const accounts: CustomerBalances[] = saved.accounts.map(([customerId, values]) => ({
      customerId,
      balances: Object.fromEntries(assets.map((a, i) => [a, BigInt(values[i] ?? '0')])),
    }));
    const tree = await buildLiabilitiesTreeParallel({
      accounts,
      assets,
      snapshotSalt: Buffer.from(saved.snapshotSalt, 'hex'),
      snapshotTime: saved.params.snapshotTime,
      journalSeq: BigInt(saved.params.journalSeq),
    });
    if (tree.published.rootHash !== rootHash) throw new ReservesError('POR_STORE', 'private snapshot file does not rebuild the published root', { rootHash });
    assert(tree.published.leafCount === accounts.length, 'rebuilt tree holds every saved account');
    return tree;
  }

  /** Writes the public page from the current history; returns its path. */
  writePublicPage(): string {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, 'index.html');
    writeAtomic(path, renderPublicPage(this.history()));
    return path;
  }
}
