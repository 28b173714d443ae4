import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReservesError } from './errors.ts';
import { proofToV1, proofToV2 } from './proofCodec.ts';
import { AMOUNT_LIMIT, type CustomerBalances, type InclusionProof, type InclusionProofV1, buildLiabilitiesTree, buildLiabilitiesTreeParallel, treeDepth } from './tree.ts';
import { verifyInclusionProof } from './verify.ts';

const ASSETS = ['AED', 'BTC', 'ETH'];
const SALT = new Uint8Array(32).fill(0x42);
const TIME = '2026-11-25T10:00:00Z';

function build(accounts: CustomerBalances[], extra: Partial<Parameters<typeof buildLiabilitiesTree>[0]> = {}) {
  return buildLiabilitiesTree({ accounts, assets: ASSETS, snapshotSalt: SALT, snapshotTime: TIME, journalSeq: 77n, ...extra });
}

function population(n: number): CustomerBalances[] {
  return Array.from({ length: n }, (_, i) => ({
    customerId: `cust-${i}`,
    balances: { AED: BigInt(i * 1000 + 7), BTC: BigInt(i % 3) * 100_000n, ETH: 10n ** 18n * BigInt(i + 1) },
  }));
}

const clone = <P extends InclusionProof | InclusionProofV1>(p: P): P => JSON.parse(JSON.stringify(p));
/** The same proof in format version 1 (JSON path arrays), easiest to tamper with field by field. */
const v1 = (p: InclusionProof): InclusionProofV1 => proofToV1(p);

const accountArb = fc.record({
  AED: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  BTC: fc.bigInt({ min: 0n, max: 21n * 10n ** 14n }),
  ETH: fc.bigInt({ min: 0n, max: 10n ** 27n }),
});
const populationArb = fc
  .uniqueArray(fc.stringMatching(/^[a-zA-Z0-9_-]{1,24}$/), { minLength: 1, maxLength: 40 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(accountArb, { minLength: ids.length, maxLength: ids.length })))
  .map(([ids, bals]) => ids.map((customerId, i) => ({ customerId, balances: bals[i]! })));

describe('liabilities tree: inclusion proofs', () => {
  it('every customer of a random population verifies, with their own balances, against the published snapshot', () => {
    fc.assert(
      fc.property(populationArb, (accounts) => {
        const tree = build(accounts);
        const pub = tree.published;
        assert.equal(pub.leafCount, accounts.length);
        assert.equal(pub.depth, treeDepth(accounts.length));
        ASSETS.forEach((a, i) => {
          const sum = accounts.reduce((s, c) => s + ((c.balances as Record<string, bigint>)[a] ?? 0n), 0n);
          assert.equal(pub.totals[i], sum.toString());
          assert.equal(tree.totals[a], sum);
        });
        for (const c of accounts) {
          const proof = JSON.parse(JSON.stringify(tree.proofFor(c.customerId)));
          const r = verifyInclusionProof(proof, pub, { customerId: c.customerId, balances: c.balances });
          assert.ok(r.ok, JSON.stringify(r));
          assert.equal(r.customerId, c.customerId);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('root does not depend on input order, and the noble and node:crypto builders agree', () => {
    const accounts = population(11);
    const a = build(accounts).published.rootHash;
    assert.equal(build([...accounts].reverse()).published.rootHash, a);
    assert.equal(build(accounts, { hashImpl: 'noble' }).published.rootHash, a);
  });

  it('known-answer vector (docs/proof-of-reserves.md) stays fixed', () => {
    const tree = buildLiabilitiesTree({
      accounts: [
        { customerId: 'alice', balances: { AED: 150_000n, BTC: 2_500_000n } },
        { customerId: 'bob', balances: { ETH: 10n ** 18n } },
        { customerId: 'carol', balances: { AED: 1n } },
      ],
      assets: ASSETS,
      snapshotSalt: new Uint8Array(32), // all zero: test vector only
      snapshotTime: '2026-01-01T00:00:00Z',
      journalSeq: 1n,
    });
    assert.deepEqual(tree.published.totals, ['150001', '2500000', '1000000000000000000']);
    assert.equal(tree.published.depth, 2);
    assert.equal(tree.published.rootHash, KNOWN_ROOT);
    assert.ok(verifyInclusionProof(tree.proofFor('bob'), KNOWN_ROOT, { customerId: 'bob', balances: { ETH: 10n ** 18n } }).ok);
    // The proof file of the doc, byte for byte (format version 2), and its version-1 spelling.
    assert.deepEqual(tree.proofFor('bob'), KNOWN_PROOF_BOB);
    assert.deepEqual(proofToV1(tree.proofFor('bob')).path, KNOWN_PATH_V1_BOB);
    assert.ok(verifyInclusionProof(proofToV1(tree.proofFor('bob')), KNOWN_ROOT, { customerId: 'bob' }).ok);
  });

  it('a single customer (depth 0) and an empty snapshot', () => {
    const one = build([{ customerId: 'solo', balances: { BTC: 5n } }]);
    assert.equal(one.published.depth, 0);
    const r = verifyInclusionProof(one.proofFor('solo'), one.published.rootHash, { customerId: 'solo', balances: { BTC: 5n } });
    assert.ok(r.ok, JSON.stringify(r));
    const none = build([]);
    assert.deepEqual(none.published.totals, ['0', '0', '0']);
    assert.throws(() => none.proofFor('x'), (e: unknown) => e instanceof ReservesError && e.code === 'POR_UNKNOWN_CUSTOMER');
  });

  it('omitting a customer changes the root, and that customer\'s old proof fails against the new root', () => {
    fc.assert(
      fc.property(populationArb.filter((p) => p.length >= 2), fc.nat(), (accounts, k) => {
        const victim = accounts[k % accounts.length]!;
        const before = build(accounts);
        const oldProof = before.proofFor(victim.customerId);
        const after = build(accounts.filter((c) => c !== victim));
        assert.notEqual(after.published.rootHash, before.published.rootHash);
        assert.equal(after.positionOf(victim.customerId), undefined);
        const r = verifyInclusionProof(oldProof, after.published, { customerId: victim.customerId, balances: victim.balances });
        assert.equal(r.ok, false);
      }),
      { numRuns: 60 },
    );
  });
});

describe('liabilities tree: every alteration of a proof fails', () => {
  const accounts = population(13); // depth 4, 3 padding leaves
  const tree = build(accounts);
  const pub = tree.published;

  function mutations(p: InclusionProofV1): [string, InclusionProofV1][] {
    const out: [string, InclusionProofV1][] = [];
    const m = (name: string, f: (q: InclusionProofV1) => void) => {
      const q = clone(p);
      f(q);
      out.push([name, q]);
    };
    const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
    p.balances.forEach((b, i) => {
      m(`balance ${i} +1`, (q) => (q.balances[i] = (BigInt(b) + 1n).toString()));
      if (b !== '0') m(`balance ${i} -1`, (q) => (q.balances[i] = (BigInt(b) - 1n).toString()));
    });
    p.totals.forEach((t, i) => {
      m(`total ${i} -1`, (q) => (q.totals[i] = (BigInt(t) - 1n).toString()));
    });
    p.path.forEach((step, h) => {
      m(`sibling hash ${h}`, (q) => (q.path[h]![0] = flipHex(step[0])));
      for (let i = 1; i < step.length; i++) {
        m(`sibling sum ${h}/${i} +1`, (q) => (q.path[h]![i] = (BigInt(step[i]!) + 1n).toString()));
        if (step[i] !== '0') m(`sibling sum ${h}/${i} -1`, (q) => (q.path[h]![i] = (BigInt(step[i]!) - 1n).toString()));
      }
      m(`direction bit ${h}`, (q) => (q.index = p.index ^ (1 << h)));
    });
    m('index +1', (q) => (q.index = p.index + 1));
    m('index -1', (q) => (q.index = p.index - 1));
    m('path reversed', (q) => q.path.reverse());
    m('path truncated', (q) => q.path.pop());
    m('path extended', (q) => q.path.push(p.path[0]!));
    m('depth -1', (q) => (q.depth = p.depth - 1));
    m('leafCount +1', (q) => (q.leafCount = p.leafCount + 1));
    m('leafCount to next power of two', (q) => (q.leafCount = 16));
    m('idSalt', (q) => (q.idSalt = flipHex(p.idSalt)));
    m('customerId', (q) => (q.customerId = `${p.customerId}x`));
    m('rootHash', (q) => (q.rootHash = flipHex(p.rootHash)));
    m('journalSeq', (q) => (q.journalSeq = '78'));
    m('snapshotTime', (q) => (q.snapshotTime = '2026-11-25T10:00:01Z'));
    m('assets reordered', (q) => q.assets.reverse());
    return out;
  }

  it('for every customer, each mutation of balance, sum, sibling hash, index/direction, shape or root is refused', () => {
    let count = 0;
    for (const c of accounts) {
      const proof = v1(tree.proofFor(c.customerId));
      assert.ok(verifyInclusionProof(clone(proof), pub).ok);
      assert.deepEqual(proofToV2(proof), tree.proofFor(c.customerId));
      for (const [name, bad] of mutations(proof)) {
        if (bad.index === proof.index && name.startsWith('index')) continue;
        const r = verifyInclusionProof(bad, pub);
        assert.equal(r.ok, false, `${c.customerId}: ${name} was accepted`);
        // The same alteration in the compact format (version 2) fails too.
        const r2 = verifyInclusionProof(proofToV2(bad), pub);
        assert.equal(r2.ok, false, `${c.customerId}: ${name} (v2) was accepted`);
        count++;
      }
    }
    assert.ok(count > 13 * 40);
  });

  it('version 2: flipping any bit of the path blob, or cutting or extending it, is refused', () => {
    for (const c of accounts.slice(0, 4)) {
      const proof = tree.proofFor(c.customerId);
      const bytes = Buffer.from(proof.path, 'base64url');
      for (let i = 0; i < bytes.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const b = Buffer.from(bytes);
          b[i]! ^= bit;
          const r = verifyInclusionProof({ ...proof, path: b.toString('base64url') }, pub);
          assert.equal(r.ok, false, `${c.customerId}: byte ${i} bit ${bit}`);
        }
      }
      for (const b of [bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from([0])])]) {
        const r = verifyInclusionProof({ ...proof, path: b.toString('base64url') }, pub);
        assert.equal(!r.ok && r.code, 'PROOF_SHAPE');
      }
      assert.equal(verifyInclusionProof({ ...proof, path: bytes.subarray(33).toString('base64url') }, pub).ok, false);
    }
  });

  it('a correct proof fails against any other published root', () => {
    const proof = tree.proofFor('cust-3');
    const other = build(population(12)).published.rootHash;
    const r = verifyInclusionProof(proof, other);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'PROOF_NOT_PUBLISHED_ROOT');
    const flipped = (pub.rootHash[63] === 'a' ? 'b' : 'a') + '';
    assert.equal(verifyInclusionProof(proof, pub.rootHash.slice(0, 63) + flipped).ok, false);
  });

  it('the customer\'s own figures are checked: other balances or another id are refused', () => {
    const c = accounts[5]!;
    const proof = tree.proofFor(c.customerId);
    const r1 = verifyInclusionProof(proof, pub, { customerId: c.customerId, balances: { ...c.balances, AED: c.balances.AED! + 1n } });
    assert.equal(!r1.ok && r1.code, 'PROOF_BALANCE_MISMATCH');
    const r2 = verifyInclusionProof(proof, pub, { customerId: 'cust-6' });
    assert.equal(!r2.ok && r2.code, 'PROOF_CUSTOMER_MISMATCH');
    const r3 = verifyInclusionProof(proof, pub, { balances: { ...c.balances, DOGE: 1n } });
    assert.equal(!r3.ok && r3.code, 'PROOF_BALANCE_MISMATCH');
    // decimal strings from an account page are accepted too
    const r4 = verifyInclusionProof(proof, pub, { balances: { AED: c.balances.AED!.toString(), BTC: c.balances.BTC!.toString(), ETH: c.balances.ETH!.toString() } });
    assert.ok(r4.ok, JSON.stringify(r4));
  });

  it('a publication that disagrees with the proof on totals, time, sequence or size is refused', () => {
    const proof = tree.proofFor('cust-1');
    for (const change of [{ totals: ['1', '2', '3'] }, { snapshotTime: '2026-11-25T10:00:01Z' }, { journalSeq: '1' }, { leafCount: 14 }, { depth: 5 }, { assets: ['AED', 'ETH', 'BTC'] }]) {
      const r = verifyInclusionProof(proof, { ...pub, ...change });
      assert.equal(!r.ok && r.code, 'PROOF_SNAPSHOT_MISMATCH', JSON.stringify(change));
    }
  });
});

describe('liabilities tree: the builder refuses bad input', () => {
  const code = (c: string) => (e: unknown) => e instanceof ReservesError && e.code === c;

  it('a negative balance throws', () => {
    assert.throws(() => build([...population(3), { customerId: 'neg', balances: { BTC: -1n } }]), code('POR_NEGATIVE_BALANCE'));
  });
  it('a balance of 2^128 or more, or not a bigint, throws', () => {
    assert.throws(() => build([{ customerId: 'big', balances: { ETH: AMOUNT_LIMIT } }]), code('POR_AMOUNT_RANGE'));
    assert.throws(() => build([{ customerId: 'num', balances: { ETH: 5 as unknown as bigint } }]), code('POR_AMOUNT_RANGE'));
  });
  it('sums that would reach 2^128 throw instead of wrapping', () => {
    const half = 1n << 127n;
    assert.throws(() => build([{ customerId: 'a', balances: { ETH: half } }, { customerId: 'b', balances: { ETH: half } }]), code('POR_SUM_OVERFLOW'));
    // just below the limit is fine
    const ok = build([{ customerId: 'a', balances: { ETH: half } }, { customerId: 'b', balances: { ETH: half - 1n } }]);
    assert.equal(ok.totals.ETH, AMOUNT_LIMIT - 1n);
  });
  it('the same customer twice throws', () => {
    assert.throws(() => build([...population(5), { customerId: 'cust-2', balances: {} }]), code('POR_DUPLICATE_CUSTOMER'));
  });
  it('an asset outside the list, a bad id, bad salt, time or sequence throw', () => {
    assert.throws(() => build([{ customerId: 'x', balances: { DOGE: 1n } }]), code('POR_UNKNOWN_ASSET'));
    for (const id of ['', 'has space', 'ü', 'x'.repeat(129), 7 as unknown as string]) {
      assert.throws(() => build([{ customerId: id, balances: {} }]), code('POR_CUSTOMER_ID'));
    }
    assert.throws(() => build([], { snapshotSalt: new Uint8Array(31) }), code('POR_INPUT'));
    assert.throws(() => build([], { snapshotTime: '2026-11-25 10:00' }), code('POR_INPUT'));
    assert.throws(() => build([], { journalSeq: -1n }), code('POR_INPUT'));
    assert.throws(() => build([], { assets: ['AED', 'AED'] }), code('POR_INPUT'));
    assert.throws(() => build([], { assets: [] }), code('POR_INPUT'));
  });
});

describe('verifier: hostile input', () => {
  const tree = build(population(6));
  const good = v1(tree.proofFor('cust-2'));

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const r = verifyInclusionProof(x, tree.published.rootHash);
        assert.equal(r.ok, false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (key, value) => {
        const q = { ...clone(good), [key]: value } as Record<string, unknown>;
        const r = verifyInclusionProof(q, tree.published.rootHash);
        if (Object.hasOwn(good, key) && JSON.stringify(value) !== JSON.stringify((good as unknown as Record<string, unknown>)[key])) assert.equal(r.ok, false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses non-canonical numbers and hashes with a format code', () => {
    const bad: [string, (q: InclusionProofV1) => void, string][] = [
      ['negative balance', (q) => (q.balances[0] = '-5'), 'PROOF_FORMAT'],
      ['leading zero', (q) => (q.balances[0] = `0${q.balances[0]}`), 'PROOF_FORMAT'],
      ['exponent', (q) => (q.balances[0] = '1e3'), 'PROOF_FORMAT'],
      ['number not string', (q) => ((q.balances as unknown[])[0] = 5), 'PROOF_FORMAT'],
      ['2^128 balance', (q) => (q.balances[0] = AMOUNT_LIMIT.toString()), 'PROOF_AMOUNT_RANGE'],
      ['uppercase hash', (q) => (q.path[0]![0] = q.path[0]![0].toUpperCase().replace(/^[0-9]/, 'A')), 'PROOF_FORMAT'],
      ['short hash', (q) => (q.idSalt = q.idSalt.slice(2)), 'PROOF_FORMAT'],
      ['missing sum', (q) => q.path[0]!.pop(), 'PROOF_FORMAT'],
      ['fractional index', (q) => (q.index = 1.5), 'PROOF_FORMAT'],
      ['version 3', (q) => ((q as { version: number }).version = 3), 'PROOF_FORMAT'],
      ['version 2 label on a version-1 path', (q) => ((q as { version: number }).version = 2), 'PROOF_FORMAT'],
      ['index past leafCount', (q) => (q.index = 6), 'PROOF_SHAPE'],
    ];
    for (const [name, f, want] of bad) {
      const q = clone(good);
      f(q);
      const r = verifyInclusionProof(q, tree.published.rootHash);
      assert.equal(!r.ok && r.code, want, name);
    }
  });
});

describe('verifier: hostile version-2 paths', () => {
  const tree = build(population(6)); // depth 3
  const good = tree.proofFor('cust-2');
  const bytes = Buffer.from(good.path, 'base64url');
  const withPath = (path: unknown) => verifyInclusionProof({ ...good, path }, tree.published.rootHash);
  const code = (r: ReturnType<typeof verifyInclusionProof>) => !r.ok && r.code;

  it('refuses non-base64url text, padding and non-canonical trailing bits', () => {
    assert.ok(withPath(good.path).ok);
    assert.equal(code(withPath(`${good.path}=`)), 'PROOF_FORMAT');
    assert.equal(code(withPath(bytes.toString('base64'))), bytes.toString('base64') === good.path ? false : 'PROOF_FORMAT');
    assert.equal(code(withPath(`${good.path.slice(0, -1)}!`)), 'PROOF_FORMAT');
    assert.equal(code(withPath(42)), 'PROOF_FORMAT');
    assert.equal(code(withPath('A'.repeat(20_000))), 'PROOF_FORMAT');
    // The last character of a 2-byte tail carries 2 unused bits; setting them spells the same bytes a second way.
    if (bytes.length % 3 !== 0) {
      const last = good.path.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twisted = good.path.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
      assert.equal(code(withPath(twisted)), 'PROOF_FORMAT');
    }
  });

  it('refuses a non-minimal varint and a sum of 2^128 or more', () => {
    // The first sibling's first sum, re-spelt with a redundant zero group.
    const steps = proofToV1(good).path;
    const first = BigInt(steps[0]![1]!);
    const varint = (v: bigint, pad: boolean): number[] => {
      const out: number[] = [];
      let x = v;
      while (x >= 0x80n) {
        out.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      if (pad) out.push(Number(x) | 0x80, 0);
      else out.push(Number(x));
      return out;
    };
    const normal = varint(first, false);
    const rest = bytes.subarray(32 + normal.length);
    const padded = Buffer.concat([bytes.subarray(0, 32), Buffer.from(varint(first, true)), rest]);
    assert.equal(code(withPath(padded.toString('base64url'))), 'PROOF_FORMAT');
    const huge = Buffer.concat([bytes.subarray(0, 32), Buffer.from(varint(1n << 128n, false)), rest]);
    assert.equal(code(withPath(huge.toString('base64url'))), 'PROOF_AMOUNT_RANGE');
    const long = Buffer.concat([bytes.subarray(0, 32), Buffer.from([...new Array(19).fill(0x80), 0x01]), rest]);
    assert.equal(code(withPath(long.toString('base64url'))), 'PROOF_AMOUNT_RANGE');
  });

  it('never throws on random bytes as a path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const r = withPath(Buffer.from(b).toString('base64url'));
        if (!Buffer.from(b).equals(bytes)) assert.equal(r.ok, false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('proof codec: versions 1 and 2 spell the same proof', () => {
  it('round-trips any path of sums below 2^128, and the verifier decodes what the codec encodes', () => {
    const tree = build(population(6)); // depth 3
    const base = proofToV1(tree.proofFor('cust-1'));
    const sum = fc.bigInt({ min: 0n, max: AMOUNT_LIMIT - 1n });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), sum, sum, sum), { minLength: 3, maxLength: 3 }), (steps) => {
        const v1p: InclusionProofV1 = { ...base, path: steps.map(([h, a, b, c]) => [Buffer.from(h).toString('hex'), a.toString(), b.toString(), c.toString()]) };
        const v2p = proofToV2(v1p);
        assert.deepEqual(proofToV1(v2p), v1p);
        // Both spellings fail (or pass) the same way in the customer's verifier.
        const r1 = verifyInclusionProof(v1p, tree.published.rootHash);
        const r2 = verifyInclusionProof(v2p, tree.published.rootHash);
        assert.equal(r2.ok, r1.ok);
        if (!r1.ok && !r2.ok) assert.equal(r2.code, r1.code);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parallel build (worker threads)', () => {
  it('gives the same root and proofs as the single-thread build', async () => {
    const rand = fc.sample(accountArb, { numRuns: 5000, seed: 7 });
    const accounts = rand.map((balances, i) => ({ customerId: `p-${i}`, balances }));
    const serial = build(accounts);
    for (const workers of [2, 4]) {
      const parallel = await buildLiabilitiesTreeParallel({ accounts, assets: ASSETS, snapshotSalt: SALT, snapshotTime: TIME, journalSeq: 77n }, { workers });
      assert.deepEqual(parallel.published, serial.published);
      for (const id of ['p-0', 'p-1234', 'p-4999']) {
        assert.deepEqual(parallel.proofFor(id), serial.proofFor(id));
        assert.ok(verifyInclusionProof(parallel.proofFor(id), serial.published.rootHash, { customerId: id }).ok);
      }
    }
  });

  it('refuses the same bad input with the same codes', async () => {
    const many = population(4100);
    const half = 1n << 127n;
    const overflow = [...many, { customerId: 'a', balances: { ETH: half } }, { customerId: 'b', balances: { ETH: half } }];
    const params = { assets: ASSETS, snapshotSalt: SALT, snapshotTime: TIME, journalSeq: 77n };
    await assert.rejects(buildLiabilitiesTreeParallel({ ...params, accounts: overflow }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_SUM_OVERFLOW');
    await assert.rejects(buildLiabilitiesTreeParallel({ ...params, accounts: [...many, { customerId: 'cust-9', balances: {} }] }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_DUPLICATE_CUSTOMER');
    await assert.rejects(buildLiabilitiesTreeParallel({ ...params, accounts: many }, { workers: 3 }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_INPUT');
  });
});

const KNOWN_ROOT = 'bd2d87f0308a51da1b853bf7b3825215d5d87bb7a806baef1016f3039a2f9921';

/** docs/proof-of-reserves.md §3: bob's proof, format version 2. */
const KNOWN_PROOF_BOB: InclusionProof = {
  version: 2,
  rootHash: KNOWN_ROOT,
  snapshotTime: '2026-01-01T00:00:00Z',
  journalSeq: '1',
  assets: ['AED', 'BTC', 'ETH'],
  totals: ['150001', '2500000', '1000000000000000000'],
  leafCount: 3,
  depth: 2,
  index: 0,
  customerId: 'bob',
  idSalt: 'abe86a3f8fe44dc69e73a0227da4a909a13d8c07e4bc267c3bfb1b628c174629',
  balances: ['0', '0', '1000000000000000000'],
  path: 'ti4aOfKnU3R_M4Yzi9TGOMC1V-ygc-WbADVVSeIpqhwBAABVNMwlz2-bg4PWJvSpwzzspWO2KFqHUfWWNxqQCZr5VvCTCaDLmAEA',
};
const KNOWN_PATH_V1_BOB = [
  ['b62e1a39f2a753747f3386338bd4c638c0b557eca073e59b00355549e229aa1c', '1', '0', '0'],
  ['5534cc25cf6f9b8383d626f4a9c33ceca563b6285a8751f596371a90099af956', '150000', '2500000', '0'],
];
