import { compareDecimalText, fractionDigits, fromMinor, isDecimalText, toMinor } from './decimalText.ts';

/**
 * Turns what a customer typed into the order entry form into the body of
 * POST /api/v1/orders, exactly (bigint arithmetic on decimal strings), or into the
 * key of a message saying what is wrong. An amount typed in the quote currency is
 * converted to a base quantity rounded DOWN to the lot, so the order never spends
 * more than was typed.
 */

export interface MarketRules {
  readonly market: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minNotional: string;
}

export type OrderStyle = 'limit' | 'market' | 'postOnly' | 'ioc';
export interface OrderInput {
  readonly side: 'buy' | 'sell';
  readonly style: OrderStyle;
  readonly price: string;
  readonly amount: string;
  readonly amountIn: 'base' | 'quote';
}

export interface OrderBody {
  market: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market';
  timeInForce?: 'GTC' | 'IOC';
  postOnly?: boolean;
  price?: string;
  quantity?: string;
  quoteQuantity?: string;
}

export type OrderFormError =
  | 'errPriceInvalid'
  | 'errPriceTick'
  | 'errAmountInvalid'
  | 'errAmountLot'
  | 'errAmountTooSmall'
  | 'errMinNotional'
  | 'errQuoteSell';

export type OrderFormResult = { ok: true; body: OrderBody; quantity: string | null; notional: string | null } | { ok: false; error: OrderFormError };

/** Decimal places of the assets Rampart lists (AED fils, satoshi, wei). */
export const ASSET_DECIMALS: Readonly<Record<string, number>> = { AED: 2, BTC: 8, ETH: 18 };

const decimalsOf = (asset: string): number => ASSET_DECIMALS[asset] ?? 18;

export function buildOrder(m: MarketRules, input: OrderInput): OrderFormResult {
  const amount = input.amount.trim();
  const price = input.price.trim();
  const limit = input.style !== 'market';
  const pd = fractionDigits(m.tickSize);
  const ld = fractionDigits(m.lotSize);
  const qd = decimalsOf(m.quote);

  let priceN = 0n;
  if (limit) {
    if (!isDecimalText(price) || compareDecimalText(price, '0') <= 0) return { ok: false, error: 'errPriceInvalid' };
    if (fractionDigits(price) > pd) return { ok: false, error: 'errPriceTick' };
    priceN = toMinor(price, pd);
    if (priceN % toMinor(m.tickSize, pd) !== 0n) return { ok: false, error: 'errPriceTick' };
  }
  if (!isDecimalText(amount) || compareDecimalText(amount, '0') <= 0) return { ok: false, error: 'errAmountInvalid' };

  const body: OrderBody = { market: m.market, side: input.side, type: limit ? 'limit' : 'market' };
  if (input.style === 'limit') body.timeInForce = 'GTC';
  if (input.style === 'ioc') body.timeInForce = 'IOC';
  if (input.style === 'postOnly') {
    body.timeInForce = 'GTC';
    body.postOnly = true;
  }

  const lotN = toMinor(m.lotSize, ld);
  if (input.amountIn === 'quote') {
    if (fractionDigits(amount) > qd) return { ok: false, error: 'errAmountInvalid' };
    const quoteN = toMinor(amount, qd);
    if (!limit) {
      // The API takes quoteQuantity for market buys only (it spends exactly that much).
      if (input.side !== 'buy') return { ok: false, error: 'errQuoteSell' };
      body.quoteQuantity = amount;
      return { ok: true, body, quantity: null, notional: amount };
    }
    // lots = floor(quote / (price × lot)), all scaled to integers:
    // quote = Q·10^-qd, price = P·10^-pd, lot = L·10^-ld  ⇒  lots = floor(Q·10^(pd+ld) / (P·L·10^qd)).
    const lots = (quoteN * 10n ** BigInt(pd + ld)) / (priceN * lotN * 10n ** BigInt(qd));
    if (lots <= 0n) return { ok: false, error: 'errAmountTooSmall' };
    body.quantity = fromMinor(lots * lotN, ld);
  } else {
    if (fractionDigits(amount) > ld) return { ok: false, error: 'errAmountLot' };
    const qtyN = toMinor(amount, ld);
    if (qtyN % lotN !== 0n) return { ok: false, error: 'errAmountLot' };
    body.quantity = amount;
  }

  let notional: string | null = null;
  if (limit) {
    body.price = price;
    const qtyN = toMinor(body.quantity!, ld);
    // notional = price × quantity at pd + ld places, compared with minNotional exactly.
    const n = priceN * qtyN;
    notional = fromMinor(n, pd + ld);
    const minN = toMinor(m.minNotional, Math.max(fractionDigits(m.minNotional), pd + ld));
    if (n * 10n ** BigInt(Math.max(0, fractionDigits(m.minNotional) - pd - ld)) < minN) return { ok: false, error: 'errMinNotional' };
  }
  return { ok: true, body, quantity: body.quantity ?? null, notional };
}
