import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ReservesBundle, type SignatureVerifier, bundleTotals, reserveMessage, verifyBundle } from './bundle.ts';

// A stand-in for the chain modules' BIP322 / EIP-191 checks: "signature" = sha256(address ‖ message).
const fakeSign = (address: string, message: string) => createHash('sha256').update(`${address}\n${message}`).digest('hex');
const fakeVerify: SignatureVerifier = (_asset, address, message, signature) => fakeSign(address, message) === signature;
const verifiers = { BTC: fakeVerify, ETH: fakeVerify };

function bundle(): ReservesBundle {
  const header = { snapshotTime: '2026-11-25T12:00:00Z', journalSeq: '1000', liabilitiesRootHash: 'ab'.repeat(32) };
  const entry = (asset: string, address: string, balance: string, blockHeight: number) => ({
    asset,
    address,
    balance,
    blockHeight,
    blockHash: `${asset}-block-${blockHeight}`,
    signature: fakeSign(address, reserveMessage(header, asset, address)),
  });
  return {
    version: 1,
    ...header,
    addresses: [entry('BTC', 'bc1qcold', '150000000', 870000), entry('BTC', 'bc1qhot', '5000000', 870000), entry('ETH', '0xCold', '10000000000000000000', 21000000)],
    bankBalances: [{ asset: 'AED', bank: 'Emirates Bank', account: 'AE070331234567890123456', balance: '125000000', asOf: '2026-11-25T08:00:00Z', statementRef: 'STMT-2026-11-25' }],
    totals: { BTC: '155000000', ETH: '10000000000000000000', AED: '125000000' },
  };
}
const codes = (b: unknown, v: Record<string, SignatureVerifier> = verifiers) => verifyBundle(b, v).problems.map((p) => p.code);

describe('reserves bundle', () => {
  it('a consistent bundle verifies: totals add up, every signature checks', () => {
    const r = verifyBundle(bundle(), verifiers);
    assert.ok(r.ok, JSON.stringify(r.problems));
    assert.equal(r.signaturesVerified, 3);
    assert.deepEqual(r.totals, { BTC: 155_000_000n, ETH: 10n ** 19n, AED: 125_000_000n });
    assert.deepEqual(r.declaredTotals, { AED: 125_000_000n });
    assert.deepEqual(bundleTotals(bundle()), r.totals);
  });

  it('a stated total that the entries do not add up to is refused', () => {
    const b = bundle();
    b.totals.BTC = '155000001';
    assert.deepEqual(codes(b), ['BUNDLE_TOTAL_MISMATCH']);
    const c = bundle();
    delete (c.totals as Record<string, string>).AED;
    assert.deepEqual(codes(c), ['BUNDLE_TOTAL_MISMATCH']);
  });

  it('a signature over another snapshot (replayed or borrowed) is refused', () => {
    const b = bundle();
    b.addresses[0]!.signature = fakeSign('bc1qcold', reserveMessage({ ...b, journalSeq: '999' }, 'BTC', 'bc1qcold'));
    assert.deepEqual(codes(b), ['BUNDLE_SIGNATURE_INVALID']);
  });

  it('an address counted twice, or at two block heights, is refused', () => {
    const b = bundle();
    b.addresses.push({ ...b.addresses[0]! });
    b.totals.BTC = '305000000';
    assert.ok(codes(b).includes('BUNDLE_DUPLICATE_ADDRESS'));
    const c = bundle();
    c.addresses[1]!.blockHeight = 870001;
    assert.deepEqual(codes(c), ['BUNDLE_HEIGHT_INCONSISTENT']);
  });

  it('no verifier for an asset, or a verifier that throws, is a failure, not a pass', () => {
    assert.deepEqual(codes(bundle(), { BTC: fakeVerify }), ['BUNDLE_NO_VERIFIER']);
    const throwing: SignatureVerifier = () => {
      throw new Error('boom');
    };
    assert.ok(codes(bundle(), { BTC: throwing, ETH: fakeVerify }).every((c) => c === 'BUNDLE_SIGNATURE_INVALID'));
  });

  it('hostile input gets BUNDLE_FORMAT and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        assert.equal(verifyBundle(x, verifiers).ok, false);
      }),
      { numRuns: 200 },
    );
    const cases: ((b: Record<string, unknown>) => void)[] = [
      (b) => ((b.addresses as { balance: string }[])[0]!.balance = '-1'),
      (b) => ((b.addresses as { balance: string }[])[0]!.balance = '1.5'),
      (b) => ((b.addresses as { blockHeight: number }[])[0]!.blockHeight = -1),
      (b) => ((b.bankBalances as { balance: unknown }[])[0]!.balance = 1),
      (b) => (b.totals = { BTC: 'x' }),
      (b) => (b.liabilitiesRootHash = 'AB'.repeat(32)),
      (b) => (b.addresses = 'none'),
    ];
    for (const f of cases) {
      const b = bundle() as unknown as Record<string, unknown>;
      f(b);
      assert.deepEqual(codes(b), ['BUNDLE_FORMAT']);
    }
  });
});
