import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyBundleFile, verifyProofFile } from './files.ts';
import { buildLiabilitiesTree } from './tree.ts';

/** Stand-in for the chain modules' signature checks (tested in bundle.test.ts). */
const approveAll = (): boolean => true;
const dir = mkdtempSync(join(tmpdir(), 'rampart-por-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tree = buildLiabilitiesTree({
  accounts: [
    { customerId: 'alice', balances: { AED: 150_000n, BTC: 2_500_000n } },
    { customerId: 'bob', balances: { ETH: 10n ** 18n } },
  ],
  assets: ['AED', 'BTC', 'ETH'],
  snapshotSalt: new Uint8Array(32).fill(8),
  snapshotTime: '2026-11-25T12:00:00Z',
  journalSeq: 5n,
});

describe('verifyProofFile', () => {
  const path = join(dir, 'proof.json');
  writeFileSync(path, JSON.stringify(tree.proofFor('alice'), null, 2));

  it('ok against the published root, showing balances in decimal', () => {
    const r = verifyProofFile(path, { publishedRoot: tree.published, customerId: 'alice', balances: { AED: 150_000n, BTC: 2_500_000n } });
    assert.ok(r.ok, r.lines.join('\n'));
    assert.match(r.lines[0]!, /^ok:/);
    assert.ok(r.lines.some((l) => l.includes('AED') && l.includes('1500') && l.includes('1500.01') === false));
    assert.ok(r.lines.some((l) => l.includes('BTC') && l.includes('0.025')));
  });

  it('without a published root it still checks the proof but warns', () => {
    const r = verifyProofFile(path);
    assert.ok(r.ok);
    assert.ok(r.lines.some((l) => l.startsWith('warning:')));
  });

  it('fails with a code on a wrong root, a wrong balance, garbage or a missing file', () => {
    assert.equal(verifyProofFile(path, { publishedRoot: '00'.repeat(32) }).code, 'PROOF_NOT_PUBLISHED_ROOT');
    assert.equal(verifyProofFile(path, { publishedRoot: tree.published.rootHash, balances: { AED: 1n } }).code, 'PROOF_BALANCE_MISMATCH');
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"version":1,');
    assert.equal(verifyProofFile(garbage).code, 'POR_FILE');
    assert.equal(verifyProofFile(join(dir, 'missing.json')).code, 'POR_FILE');
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat((1 << 20) + 1));
    assert.equal(verifyProofFile(big).code, 'POR_FILE');
  });
});

describe('verifyBundleFile', () => {
  const header = { snapshotTime: '2026-11-25T12:00:00Z', journalSeq: '5', liabilitiesRootHash: tree.published.rootHash };
  const sig = 'sig';
  const write = (totals: Record<string, string>, btc: string) => {
    const path = join(dir, `bundle-${btc}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        ...header,
        addresses: [{ asset: 'BTC', address: 'bc1qcold', balance: btc, blockHeight: 1, blockHash: 'h', signature: sig }, { asset: 'ETH', address: '0xCold', balance: '1000000000000000000', blockHeight: 2, blockHash: 'h', signature: sig }],
        bankBalances: [{ asset: 'AED', bank: 'Bank', account: 'AE070331234567890123456', balance: '150000', asOf: '2026-11-25T08:00:00Z', statementRef: 'S1' }],
        totals,
      }),
    );
    return path;
  };
  const verifiers = { BTC: approveAll, ETH: approveAll };

  it('prints the ratio per asset and passes when every asset is covered', async () => {
    const r = await verifyBundleFile(write({ BTC: '2500000', ETH: '1000000000000000000', AED: '150000' }, '2500000'), { verifiers, liabilities: tree.published });
    assert.ok(r.ok, r.lines.join('\n'));
    assert.ok(r.lines.some((l) => l.includes('BTC') && l.includes('ratio 1.0000 covered')));
  });

  it('fails with RESERVES_SHORT when an asset is one satoshi short', async () => {
    const r = await verifyBundleFile(write({ BTC: '2499999', ETH: '1000000000000000000', AED: '150000' }, '2499999'), { verifiers, liabilities: tree.published });
    assert.equal(r.ok, false);
    assert.equal(r.code, 'RESERVES_SHORT');
    assert.ok(r.lines.some((l) => l.includes('SHORT')));
  });

  it('fails without signature verifiers, with the real chain verifiers on fake signatures, and on an unreadable file', async () => {
    const path = write({ BTC: '2500000', ETH: '1000000000000000000', AED: '150000' }, '2500000');
    assert.equal((await verifyBundleFile(path, { verifiers: {} })).code, 'BUNDLE_NO_VERIFIER');
    assert.equal((await verifyBundleFile(path)).code, 'BUNDLE_SIGNATURE_INVALID');
    assert.equal((await verifyBundleFile(join(dir, 'nope.json'))).code, 'POR_FILE');
  });
});
