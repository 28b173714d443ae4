import { assert } from '../shared/assert.ts';
import { formatDecimal, formatDecimalFixed } from '../shared/decimal.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';
import { attackerOutputs } from './outflowMatcher.ts';
import type { EngineLike } from './responder.ts';
import type { ObservedOutflow, OwnAddresses, PriceSnapshot } from './types.ts';

/**
 * The loss, exact to the satoshi and the wei: for each unauthorised tx, what left
 * Rampart's addresses and did not come back (value to outsiders + the network fee
 * Rampart's inputs paid). Valued in AED and USD at the price snapshot taken at
 * detection, as exact rationals (a price is an opinion; the amount of coins is not).
 */

export const ASSET_DECIMALS: Readonly<Record<string, number>> = { BTC: 8, ETH: 18 };

export interface LossLine {
  readonly chain: 'BTC' | 'ETH';
  readonly asset: string;
  readonly txid: string;
  readonly attackerOutputs: ReadonlyArray<{ address: string; valueMinor: bigint }>;
  readonly valueOutMinor: bigint;
  readonly feeMinor: bigint;
  /** valueOut + fee: what the hot wallet no longer holds. */
  readonly lossMinor: bigint;
  readonly custodyAccount: 'hot_wallet' | 'cold_wallet' | 'deposit_wallets';
}

/**
 * One unauthorised tx's loss. BTC with input values: inputs − change must equal
 * outsiders + fee (checked: a watcher that lost an output would otherwise under-report).
 */
export function lossLine(o: ObservedOutflow, own: OwnAddresses): LossLine {
  const outs = attackerOutputs(o, own);
  const valueOutMinor = outs.reduce((s, x) => s + x.valueMinor, 0n);
  const lossMinor = valueOutMinor + o.feeMinor;
  if (o.chain === 'BTC' && o.inputs !== undefined && o.inputs.length > 0) {
    const spent = o.inputs.reduce((s, x) => s + x.valueMinor, 0n);
    const back = o.outputs.filter((x) => own.isOwn('BTC', x.address)).reduce((s, x) => s + x.valueMinor, 0n);
    if (spent - back !== lossMinor) {
      throw new IncidentError('OUTFLOW_INVALID', 'inputs minus change differ from outputs to outsiders plus fee', { txid: o.txid, spent: spent.toString(), back: back.toString(), loss: lossMinor.toString() });
    }
  }
  return { chain: o.chain, asset: o.chain, txid: o.txid, attackerOutputs: outs, valueOutMinor, feeMinor: o.feeMinor, lossMinor, custodyAccount: o.custodyAccount ?? 'hot_wallet' };
}

export function lossByAsset(lines: readonly LossLine[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const l of lines) out[l.asset] = (out[l.asset] ?? 0n) + l.lossMinor;
  return out;
}

export interface ExactValue {
  /** Value in the fiat's minor unit (fils, cents) as a reduced fraction. */
  readonly numerator: bigint;
  readonly denominator: bigint;
  /** Rounded down to the minor unit, as a decimal string ("1234.56"). */
  readonly display: string;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** amountMinor × pricePerWholeUnit / 10^decimals, exactly. */
export function valueExact(amountMinor: bigint, decimals: number, pricePerUnitMinor: bigint): ExactValue {
  assert(amountMinor >= 0n && pricePerUnitMinor >= 0n, 'non-negative amount and price');
  const num = amountMinor * pricePerUnitMinor;
  const den = 10n ** BigInt(decimals);
  const g = gcd(num, den) || 1n;
  return { numerator: num / g, denominator: den / g, display: formatDecimalFixed(num / den, 2) };
}

export interface LossValuation {
  readonly asset: string;
  readonly lossMinor: bigint;
  readonly aedFils: ExactValue;
  readonly usdCents: ExactValue;
}

export function checkPriceSnapshot(p: PriceSnapshot, assets: readonly string[]): void {
  if (!Number.isSafeInteger(p.atMs) || p.atMs < 0 || typeof p.source !== 'string' || p.source.length === 0) throw new IncidentError('PRICE_MISSING', 'price snapshot needs a time and a source');
  for (const a of assets) {
    const aed = p.aedFilsPerUnit[a];
    const usd = p.usdCentsPerUnit[a];
    if (typeof aed !== 'bigint' || aed <= 0n || typeof usd !== 'bigint' || usd <= 0n) throw new IncidentError('PRICE_MISSING', `no integer AED and USD price for ${a}`, { asset: a });
  }
}

export function valueLoss(byAsset: Readonly<Record<string, bigint>>, prices: PriceSnapshot): LossValuation[] {
  const assets = Object.keys(byAsset).sort();
  checkPriceSnapshot(prices, assets);
  return assets.map((asset) => {
    const d = ASSET_DECIMALS[asset];
    if (d === undefined) throw new IncidentError('PRICE_MISSING', 'unknown asset decimals', { asset });
    const lossMinor = byAsset[asset]!;
    return { asset, lossMinor, aedFils: valueExact(lossMinor, d, prices.aedFilsPerUnit[asset]!), usdCents: valueExact(lossMinor, d, prices.usdCentsPerUnit[asset]!) };
  });
}

/** The price snapshot taken at detection, written to the incident log (the report reads it there). */
export function recordPriceSnapshot(log: IncidentLog, incidentId: string, prices: PriceSnapshot, actor = 'system:incident'): void {
  checkPriceSnapshot(prices, Object.keys(prices.aedFilsPerUnit));
  log.append({ atMs: prices.atMs, actor, action: 'incident.price_snapshot', ip: '', before: null, after: { incidentId, prices } });
}

export function lossRef(incidentId: string, txid: string): string {
  return `incident:${incidentId}:loss:${txid.toLowerCase()}`;
}

/**
 * Records each unauthorised outflow in the ledger: custody account (hot wallet) →
 * incident_loss, ref `incident:<id>:loss:<txid>` (idempotent: the core refuses a
 * second posting with the same ref). Customer balances are NOT touched: the shortfall
 * shows as reserves below liabilities until it is covered. Call it with block-confirmed
 * outflows only (a mempool tx can still be replaced; its replacement would count twice).
 */
export async function recordLoss(engine: EngineLike, incidentId: string, lines: readonly LossLine[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const l of lines) {
    if (l.lossMinor === 0n) continue;
    const r = await engine.submit({
      type: 'ledger.post',
      ref: lossRef(incidentId, l.txid),
      memo: `unauthorised ${l.chain} outflow ${l.txid} (value ${formatDecimal(l.valueOutMinor, ASSET_DECIMALS[l.asset] ?? 0)} + fee ${formatDecimal(l.feeMinor, ASSET_DECIMALS[l.asset] ?? 0)})`,
      transfers: [{ debit: `system:${l.asset}:incident_loss`, credit: `system:${l.asset}:${l.custodyAccount}`, amount: l.lossMinor }],
    });
    if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused the loss posting', { txid: l.txid, code: r.error?.code, message: r.error?.message });
    seqs.push(r.seq);
  }
  return seqs;
}
