import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { T0, fundedCore } from '../core/testing/fixtures.ts';
import type { ReservesBundle } from './bundle.ts';
import { porCli } from './cli.ts';
import { ReservesError } from './errors.ts';
import { liabilitiesTreeFromCore } from './liabilities.ts';
import { renderPublicPage } from './page.ts';
import { PorStore, type Publication } from './publish.ts';
import { verifyInclusionProof } from './verify.ts';

const approveAll = () => true;
const verifiers = { BTC: approveAll, ETH: approveAll };

/** A bundle holding exactly `btcSat` / `ethWei` / `aedFils` for the header (signatures accepted by the injected verifiers). */
function bundleFor(header: { snapshotTime: string; journalSeq: string; liabilitiesRootHash: string }, btcSat: bigint, ethWei: bigint, aedFils: bigint): ReservesBundle {
  return {
    version: 1,
    ...header,
    addresses: [
      { asset: 'BTC', address: 'bcrt1qhot', balance: btcSat.toString(), blockHeight: 800, blockHash: 'aa'.repeat(32), signature: 'sig' },
      { asset: 'ETH', address: '0x00000000000000000000000000000000000000c0', balance: ethWei.toString(), blockHeight: 900, blockHash: `0x${'bb'.repeat(32)}`, signature: 'sig' },
    ],
    bankBalances: [{ asset: 'AED', bank: 'Bank', account: 'AE070331234567890123456', balance: aedFils.toString(), asOf: '2026-11-24T00:00:00Z', statementRef: 'S-1' }],
    totals: { BTC: btcSat.toString(), ETH: ethWei.toString(), AED: aedFils.toString() },
  };
}

function capture() {
  const out: string[] = [];
  return { out, write: (s: string) => out.push(...s.split('\n').filter((l) => l.length > 0)) };
}

describe('publishing: store, public page, CLI', () => {
  it('por publish snapshots the ledger with the bundle, writes the files and prints the figures (--json last line)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'por-pub-'));
    const { core } = fundedCore(3);
    const io = capture();
    const code = await porCli(['publish', '--data-dir', dataDir, '--json'], {
      write: io.write,
      core,
      verifiers,
      workers: 1,
      now: () => Date.parse('2026-11-25T12:00:00Z'),
      random: (n) => new Uint8Array(n).fill(7),
      bundle: async (header) => bundleFor(header, 3_000_000_000n, 3n * 10n ** 21n, 299_999_999n),
    });
    assert.equal(code, 0);
    const last = JSON.parse(io.out.at(-1)!) as { ok: boolean; published: Publication };
    assert.equal(last.ok, true);
    const p = last.published;
    assert.equal(p.journalSeq, String(core.seq));
    assert.deepEqual(p.ratios!.BTC, { reserves: '3000000000', liabilities: '3000000000', ratio: '1.0000', covered: true });
    assert.equal(p.ratios!.AED!.covered, false); // one fils short
    assert.equal(p.allCovered, false);
    const dir = join(dataDir, 'reserves');
    for (const f of ['publications.json', 'index.html', `${p.rootHash}/snapshot.json`, `${p.rootHash}/bundle.json`]) assert.ok(existsSync(join(dir, f)), f);
    assert.equal(statSync(join(dir, 'private', `${p.rootHash}.json`)).mode & 0o777, 0o600);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    assert.ok(html.includes(p.rootHash) && html.includes('Verify my proof') && html.includes('rampart por verify PROOF.json') && html.includes('SHORT'));

    // The proof the API serves verifies against the publication; after a restart it is re-issued identically.
    const store = new PorStore(dataDir);
    const proof = await store.proofFor(2);
    const r = verifyInclusionProof(proof, { ...p }, { customerId: '2', balances: { AED: 100_000_000n, BTC: 1_000_000_000n, ETH: 10n ** 21n } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(await new PorStore(dataDir).proofFor('2'), proof);
    await assert.rejects(store.proofFor(99), (e: unknown) => e instanceof ReservesError && e.code === 'POR_UNKNOWN_CUSTOMER');

    // por verify with the published root (the customer's path), and the auditor's verify-bundle.
    const proofPath = join(dataDir, 'proof.json');
    writeFileSync(proofPath, JSON.stringify(proof));
    const v = capture();
    assert.equal(await porCli(['verify', proofPath, '--root', p.rootHash], { write: v.write }), 0);
    assert.ok(v.out[0]!.startsWith('ok'));
    const bad = capture();
    assert.equal(await porCli(['verify', proofPath, '--root', '00'.repeat(32), '--json'], { write: bad.write }), 1);
    assert.equal(JSON.parse(bad.out.at(-1)!).code, 'PROOF_NOT_PUBLISHED_ROOT');
    const a = capture();
    const snap = join(dir, p.rootHash, 'snapshot.json');
    assert.equal(await porCli(['verify-bundle', join(dir, p.rootHash, 'bundle.json'), '--snapshot', snap, '--json'], { write: a.write, verifiers }), 1);
    assert.equal(JSON.parse(a.out.at(-1)!).code, 'RESERVES_SHORT');
    const s = capture();
    assert.equal(await porCli(['verify', proofPath, '--snapshot', snap], { write: s.write }), 0);
  });

  it('history is newest first; the same root twice, an older sequence or a bundle for another snapshot are refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'por-hist-'));
    const store = new PorStore(dataDir);
    assert.equal(store.latestPublication(), undefined);
    const { core, run } = fundedCore(2);
    const salt = new Uint8Array(32).fill(1);
    const first = await liabilitiesTreeFromCore(core, salt, { workers: 1 });
    const h1 = { snapshotTime: first.tree.published.snapshotTime, journalSeq: first.tree.published.journalSeq, liabilitiesRootHash: first.tree.published.rootHash };
    await store.publish({ tree: first.tree, accounts: first.liabilities.accounts, snapshotSalt: salt, bundle: bundleFor(h1, 2_000_000_000n, 2n * 10n ** 21n, 200_000_000n), verifiers, publishedAtMs: 1 });
    await assert.rejects(store.publish({ tree: first.tree, accounts: first.liabilities.accounts, snapshotSalt: salt, publishedAtMs: 2 }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_STORE');
    run({ type: 'deposit', ts: T0, userId: 1, asset: 'BTC', amount: 5n, source: 'chain', ref: 'more' });
    const second = await liabilitiesTreeFromCore(core, salt, { workers: 1 });
    await assert.rejects(
      store.publish({ tree: second.tree, accounts: second.liabilities.accounts, snapshotSalt: salt, bundle: bundleFor(h1, 1n, 1n, 1n), verifiers, publishedAtMs: 3 }),
      (e: unknown) => e instanceof ReservesError && e.code === 'POR_STORE',
    );
    await store.publish({ tree: second.tree, accounts: second.liabilities.accounts, snapshotSalt: salt, publishedAtMs: 4 });
    assert.deepEqual(store.history().map((p) => p.rootHash), [second.tree.published.rootHash, first.tree.published.rootHash]);
    assert.equal(store.latestPublication()!.ratios, null);
    assert.equal(store.bundle(second.tree.published.rootHash), undefined);
    assert.equal(store.bundle(first.tree.published.rootHash)!.liabilitiesRootHash, first.tree.published.rootHash);
    assert.throws(() => store.snapshot('../../etc'), (e: unknown) => e instanceof ReservesError && e.code === 'POR_STORE');
    // Without a core, publish prints the latest and re-renders the page.
    const io = capture();
    assert.equal(await porCli(['publish', '--data-dir', dataDir], { write: io.write }), 0);
    assert.ok(io.out.some((l) => l.includes(second.tree.published.rootHash)));
    assert.equal(await porCli(['nonsense'], { write: () => {} }), 2);
    assert.equal(await porCli(['verify', '--bogus'], { write: () => {} }), 2);
  });

  it('the public page escapes everything it prints', () => {
    const html = renderPublicPage([
      { version: 1, rootHash: '<img src=x>', snapshotTime: '"><script>', journalSeq: '1', assets: ['<b>'], totals: ['1'], leafCount: 1, publishedAt: 'x', ratios: null, allCovered: null, hasBundle: false },
    ]);
    assert.ok(!html.includes('<img src=x>') && !html.includes('<script>') && !html.includes('<b>'));
  });
});
