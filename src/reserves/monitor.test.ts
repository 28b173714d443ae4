import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExchangeCore } from '../core/exchange.ts';
import { T0, fundedCore } from '../core/testing/fixtures.ts';
import { liabilitiesFromCore, liabilitiesTotalsFromCore, liabilitiesTreeFromCore } from './liabilities.ts';
import { ReserveMonitor } from './monitor.ts';
import { verifyInclusionProof } from './verify.ts';

/** Reserves as the chains and the bank would report them, modelled from the custody accounts (asset accounts carry debit balances, ≤ 0). */
function heldFromLedger(core: ExchangeCore): Record<string, bigint> {
  const ledger = core.ledger;
  const out: Record<string, bigint> = {};
  ledger.assets.forEach((asset, a) => {
    let held = 0n;
    for (const s of ['bank_omnibus', 'hot_wallet', 'cold_wallet', 'deposit_wallets'] as const) held -= ledger.balances[ledger.systemAccount(a, s)]!;
    out[asset] = held;
  });
  return out;
}

describe('liabilities from the real ledger', () => {
  it('counts every bucket (frozen included), names users by id, takes time and sequence from the core', async () => {
    const { core, run } = fundedCore(3);
    run({ type: 'funds.freeze', ts: T0, userId: 2, asset: 'BTC', amount: 300_000_000n, ref: 'freeze-1' });
    run({ type: 'deposit', ts: T0 + 1, userId: 3, asset: 'ETH', amount: 5n, source: 'chain', ref: 'eth-frozen', frozen: true });
    const l = liabilitiesFromCore(core);
    assert.deepEqual(l.accounts.map((a) => a.customerId), ['1', '2', '3']);
    assert.equal(l.accounts[1]!.balances.BTC, 1_000_000_000n); // 7 BTC available + 3 BTC frozen
    assert.equal(l.accounts[2]!.balances.ETH, 10n ** 21n + 5n);
    assert.equal(l.totals.BTC, 3_000_000_000n);
    assert.equal(l.journalSeq, BigInt(core.seq));
    assert.equal(l.snapshotTime, new Date(T0 + 1).toISOString());
    const { tree } = await liabilitiesTreeFromCore(core, new Uint8Array(32).fill(5), { workers: 1 });
    assert.equal(tree.published.journalSeq, String(core.seq));
    const r = verifyInclusionProof(tree.proofFor('2'), tree.published, { customerId: '2', balances: { AED: 100_000_000n, BTC: 1_000_000_000n, ETH: 10n ** 21n } });
    assert.ok(r.ok, JSON.stringify(r));
  });
});

describe('reserve monitor (drill: hot-wallet loss, then treasury cover)', () => {
  it('fires onBelowOne once when BTC drops below 100%, and onRecovered after the treasury covers the loss', async () => {
    const { core, run } = fundedCore(3);
    // Sweep deposits to the hot wallet, as custody does.
    run({ type: 'ledger.post', ts: T0, ref: 'sweep', memo: 'sweep', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 3_000_000_000n }] });
    let clock = 1_800_000_000_000;
    const below: Array<[string, string, bigint]> = [];
    const recovered: string[] = [];
    const monitor = new ReserveMonitor({
      reserves: () => heldFromLedger(core),
      liabilities: () => liabilitiesTotalsFromCore(core),
      onBelowOne: (asset, ratio, evidence) => {
        below.push([asset, ratio.display, evidence.shortfallMinor]);
      },
      onRecovered: (asset) => {
        recovered.push(asset);
      },
      now: () => clock,
    });
    const r0 = await monitor.check();
    assert.ok(r0.allCovered);
    assert.equal(below.length, 0);

    // The breach: 0.5 BTC leaves the hot wallet; the books move it to incident_loss (a receivable, not money).
    run({ type: 'ledger.post', ts: T0 + 1, ref: 'hack-1', memo: 'hot wallet drained', transfers: [{ debit: 'system:BTC:incident_loss', credit: 'system:BTC:hot_wallet', amount: 50_000_000n }] });
    clock += 60_000;
    const r1 = await monitor.check();
    assert.equal(r1.allCovered, false);
    assert.deepEqual(below, [['BTC', '0.9833', 50_000_000n]]);
    assert.deepEqual(monitor.shortAssets, ['BTC']);
    await monitor.check(); // still short: no second notification
    assert.equal(below.length, 1);

    // Treasury cover: the operator's own 0.5 BTC into the hot wallet.
    run({ type: 'ledger.post', ts: T0 + 2, ref: 'cover-1', memo: 'treasury cover', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:treasury', amount: 50_000_000n }] });
    const r2 = await monitor.check();
    assert.ok(r2.allCovered);
    assert.deepEqual(recovered, ['BTC']);
    assert.equal(r2.byAsset.BTC!.display, '1.0000');
    assert.deepEqual(monitor.shortAssets, []);
  });

  it('runs on an injected interval, reports a failing check to onError and keeps going', async () => {
    const timers: Array<() => void> = [];
    let fail = true;
    const errors: unknown[] = [];
    const monitor = new ReserveMonitor({
      reserves: () => {
        if (fail) throw new Error('node down');
        return { BTC: 1n };
      },
      liabilities: () => ({ BTC: 2n }),
      onBelowOne: () => {},
      onError: (e) => errors.push(e),
      now: () => 0,
      intervalMs: 5_000,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => {},
    });
    monitor.start();
    assert.equal(timers.length, 1);
    timers.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1);
    fail = false;
    timers.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(monitor.shortAssets, ['BTC']);
    monitor.stop();
  });

  it('a failing onBelowOne is retried on the next check; concurrent checks share one run', async () => {
    let attempts = 0;
    let reservesCalls = 0;
    const monitor = new ReserveMonitor({
      reserves: () => {
        reservesCalls++;
        return { ETH: 9n };
      },
      liabilities: () => ({ ETH: 10n }),
      onBelowOne: () => {
        attempts++;
        if (attempts === 1) throw new Error('incident store down');
      },
      now: () => 0,
    });
    await assert.rejects(monitor.check(), /incident store down/);
    assert.deepEqual(monitor.shortAssets, []);
    await Promise.all([monitor.check(), monitor.check()]);
    assert.equal(attempts, 2);
    assert.equal(reservesCalls, 2);
    assert.deepEqual(monitor.shortAssets, ['ETH']);
  });
});
