import * as btc from '../chains/btc/index.ts';
import * as eth from '../chains/eth/index.ts';
import type { ExchangeCore } from '../core/exchange.ts';
import { approve as approveProposal, isExecutable, markExecuted, payloadHashOf, type Proposal, propose, type StaffActor } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import { BtcChainView } from './btcView.ts';
import { CustodyError } from './errors.ts';
import type { MoveTracker } from './moves.ts';
import type { EthNonceSource } from './nonces.ts';
import type { Signer } from './signer/client.ts';
import { btcFeeRate } from './withdrawals.ts';

/** Default hot-wallet share of customer liabilities: 5% (basis points). */
export const HOT_SHARE_BPS_DEFAULT = 500n;

/** What the exchange owes its customers in `asset`: the sum of every user bucket (available, locked, withdrawing, frozen, recovery_claim). */
export function customerLiabilities(core: ExchangeCore, asset: string): bigint {
  let sum = 0n;
  for (const a of core.ledger.accounts) if (a.userId > 0 && a.asset === asset) sum += core.ledger.balances[a.id]!;
  return sum;
}

/** Hot cap = share × liabilities, rounded down. */
export function hotCapMinor(core: ExchangeCore, asset: string, shareBps: bigint = HOT_SHARE_BPS_DEFAULT): bigint {
  assert(shareBps >= 0n && shareBps <= 10_000n, 'share in 0..10000 bps');
  return (customerLiabilities(core, asset) * shareBps) / 10_000n;
}

/**
 * Sends the hot wallet's excess over its cap to cold storage. The destination is chosen by the
 * signer itself from the configured cold xpub (the service cannot name another address); the
 * move is recorded (cold_wallet ← hot_wallet) once confirmed. Returns the txid, or undefined
 * when the hot wallet is within its cap.
 */
export async function sweepHotExcessBtc(o: { core: ExchangeCore; view: BtcChainView; signer: Signer; moves: MoveTracker; moveId: string; shareBps?: bigint }): Promise<string | undefined> {
  const cap = hotCapMinor(o.core, 'BTC', o.shareBps);
  const hot = o.view.balanceSat('hot');
  if (hot <= cap) return undefined;
  const utxos = o.view.unspent('hot', 1).map(BtcChainView.ownUtxo);
  const rate = await btcFeeRate(o.view.rpc, 6);
  // The fee comes out of what stays hot: the excess arrives in cold whole.
  const excess = hot - cap;
  const entry = await o.signer.toCold({ moveId: o.moveId, asset: 'BTC', amountMinor: excess, coldIndex: 0, btc: { utxos, feeRateSatPerVb: rate } });
  await o.view.rpc.sendRawTransaction(entry.hex);
  o.view.reserve(entry.btc!.inputs, entry.txid);
  o.moves.add({ kind: 'tocold', asset: 'BTC', txid: entry.txid, from: 'hot_wallet', to: 'cold_wallet', amountMinor: entry.amountMinor, feeMinor: entry.feeMinor });
  return entry.txid;
}

export async function sweepHotExcessEth(o: { core: ExchangeCore; client: eth.EthClient; hotAddress: eth.EthAddress; nonces: EthNonceSource; signer: Signer; moves: MoveTracker; moveId: string; shareBps?: bigint; feePolicy?: eth.FeePolicy }): Promise<string | undefined> {
  const cap = hotCapMinor(o.core, 'ETH', o.shareBps);
  const hot = await o.client.getBalance(o.hotAddress, 'pending');
  const fees = await o.client.feeData(o.feePolicy);
  const gasReserve = eth.TRANSFER_GAS * fees.maxFeePerGasWei;
  if (hot <= cap + gasReserve) return undefined;
  const excess = hot - cap - gasReserve;
  const entry = await o.nonces.withNext((nonce) => o.signer.toCold({ moveId: o.moveId, asset: 'ETH', amountMinor: excess, coldIndex: 0, eth: { nonce, maxFeePerGasWei: fees.maxFeePerGasWei, maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei } }));
  await o.client.sendRawTransaction(entry.hex as eth.Hex, entry.txid as eth.Hash);
  o.moves.add({ kind: 'tocold', asset: 'ETH', txid: entry.txid, from: 'hot_wallet', to: 'cold_wallet', amountMinor: entry.amountMinor });
  return entry.txid;
}

// ---- cold → hot refills: M-of-N approval, offline signature, exact check ---------------

/** What staff approve: the whole unsigned transaction and the machine-checkable approval. Bigints as decimal strings (canonical JSON). */
export type RefillPayload =
  | { asset: 'BTC'; amountMinor: string; psbtBase64: string; approved: { inputs: Array<{ txid: string; vout: number; valueSat: string }>; outputs: Array<{ scriptHex: string; amountSat: string }>; maxFeeSat: string }; feeMinor: string }
  | { asset: 'ETH'; amountMinor: string; unsignedHex: string; approval: { chainId: number; from: string; to: string; valueWei: string; nonce: string; maxFeePerGasCapWei: string; maxPriorityFeePerGasCapWei: string; gasLimitMax: string } };

export const REFILL_ACTION = 'wallet.rebalance';
export const REFILL_ROLES = ['treasury', 'security'] as const;

/**
 * Cold → hot refills. A staff member proposes (the service builds a PSBT / unsigned EIP-1559
 * transaction to the hot wallet); M other staff approve that exact payload through the
 * four-eyes primitive; only then is it exported for the offline signer. The signed result is
 * accepted only if it spends exactly what was approved (finalizeApprovedPsbt /
 * verifySignedAgainstApproval), then broadcast and recorded (hot_wallet ← cold_wallet).
 * Proposals are returned to the caller to persist (with their audit records).
 */
export class RefillDesk {
  private readonly proposals = new Map<string, Proposal>();
  private readonly o: {
    moves: MoveTracker;
    requiredApprovals: number;
    btc?: { view: BtcChainView; coldXpub: string; coldMasterFingerprint: number };
    eth?: { client: eth.EthClient; coldAddress: eth.EthAddress; hotAddress: eth.EthAddress; feePolicy?: eth.FeePolicy };
  };

  constructor(o: RefillDesk['o']) {
    assert(o.requiredApprovals >= 2, 'a refill needs at least two approvals');
    this.o = o;
  }

  get(id: string): Proposal | undefined {
    return this.proposals.get(id);
  }

  async proposeBtc(id: string, amountSat: bigint, proposer: StaffActor, nowMs: number): Promise<Proposal> {
    const b = this.o.btc;
    if (b === undefined) throw new CustodyError('ASSET_UNSUPPORTED', 'no BTC cold wallet configured');
    const utxos: btc.ColdUtxo[] = b.view.unspent('cold', 1).map((u) => {
      const own = BtcChainView.ownUtxo(u);
      return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, scriptPubKey: btc.parseAddress(u.address, b.view.network).scriptPubKey, chain: own.chain, index: own.index };
    });
    const r = btc.createRefillPsbt({
      accountXpub: b.coldXpub,
      network: b.view.network,
      masterFingerprint: b.coldMasterFingerprint,
      utxos,
      outputs: [btc.outputTo(b.view.hotAddress, amountSat, b.view.network)],
      feeRateSatPerVb: await btcFeeRate(b.view.rpc, 6),
      changeIndex: 0,
    });
    const payload: RefillPayload = {
      asset: 'BTC',
      amountMinor: amountSat.toString(),
      psbtBase64: r.psbtBase64,
      approved: {
        inputs: r.approved.inputs.map((i) => ({ txid: i.txid, vout: i.vout, valueSat: i.valueSat.toString() })),
        outputs: r.approved.outputs.map((x) => ({ scriptHex: x.scriptHex, amountSat: x.amountSat.toString() })),
        maxFeeSat: r.approved.maxFeeSat.toString(),
      },
      feeMinor: r.feeSat.toString(),
    };
    return this.open(id, payload, proposer, nowMs);
  }

  async proposeEth(id: string, amountWei: bigint, proposer: StaffActor, nowMs: number): Promise<Proposal> {
    const e = this.o.eth;
    if (e === undefined) throw new CustodyError('ASSET_UNSUPPORTED', 'no ETH cold wallet configured');
    const fees = await e.client.feeData(e.feePolicy);
    const tx: eth.UnsignedTransfer = {
      chainId: e.client.chainId,
      nonce: await e.client.getNonce(e.coldAddress, 'pending'),
      to: e.hotAddress,
      valueWei: amountWei,
      gasLimit: eth.TRANSFER_GAS,
      maxFeePerGasWei: fees.maxFeePerGasWei,
      maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei,
    };
    const payload: RefillPayload = {
      asset: 'ETH',
      amountMinor: amountWei.toString(),
      unsignedHex: eth.serializeUnsigned(tx),
      approval: {
        chainId: tx.chainId,
        from: e.coldAddress,
        to: tx.to,
        valueWei: tx.valueWei.toString(),
        nonce: tx.nonce.toString(),
        maxFeePerGasCapWei: tx.maxFeePerGasWei.toString(),
        maxPriorityFeePerGasCapWei: tx.maxPriorityFeePerGasWei.toString(),
        gasLimitMax: tx.gasLimit.toString(),
      },
    };
    return this.open(id, payload, proposer, nowMs);
  }

  private open(id: string, payload: RefillPayload, proposer: StaffActor, nowMs: number): Proposal {
    if (this.proposals.has(id)) throw new CustodyError('REFILL_STATE', 'refill id in use', { id });
    const t = propose({ id, action: REFILL_ACTION, payload, proposer, requiredApprovals: this.o.requiredApprovals, allowedRoles: [...REFILL_ROLES], nowMs });
    this.proposals.set(id, t.proposal);
    return t.proposal;
  }

  approve(id: string, approver: StaffActor, seenPayloadHash: string, nowMs: number): Proposal {
    const t = approveProposal(this.must(id), { approver, seenPayloadHash, nowMs });
    this.proposals.set(id, t.proposal);
    return t.proposal;
  }

  /** The PSBT / unsigned tx for the offline signer, only once M approvals are in. */
  exportForSigning(id: string, nowMs: number): RefillPayload {
    const p = this.must(id);
    if (!isExecutable(p, nowMs)) throw new CustodyError('REFILL_NOT_APPROVED', 'refill lacks its approvals', { id, approvals: p.approvals.length, required: p.requiredApprovals });
    return p.payload as RefillPayload;
  }

  /**
   * Takes the offline signer's result: refuses anything that differs from what was approved,
   * broadcasts, marks the proposal executed (once), and tracks the move for the ledger.
   */
  async acceptSigned(id: string, signed: string, nowMs: number, actorId: string): Promise<string> {
    const p = this.must(id);
    const payload = this.exportForSigning(id, nowMs);
    // The stored payload must still be the approved one (a row edited after approval fails here).
    if (payloadHashOf(payload) !== p.payloadHash) throw new CustodyError('REFILL_NOT_APPROVED', 'payload changed after approval');
    let txid: string;
    if (payload.asset === 'BTC') {
      const approved: btc.ApprovedSpend = {
        inputs: payload.approved.inputs.map((i) => ({ txid: i.txid, vout: i.vout, valueSat: BigInt(i.valueSat) })),
        outputs: payload.approved.outputs.map((x) => ({ scriptHex: x.scriptHex, amountSat: BigInt(x.amountSat) })),
        maxFeeSat: BigInt(payload.approved.maxFeeSat),
      };
      const tx = btc.finalizeApprovedPsbt(signed, approved);
      const b = this.o.btc!;
      await b.view.rpc.sendRawTransaction(tx.hex);
      b.view.reserve(approved.inputs, tx.txid);
      txid = tx.txid;
      this.o.moves.add({ kind: 'refill', asset: 'BTC', txid, from: 'cold_wallet', to: 'hot_wallet', amountMinor: BigInt(payload.amountMinor), feeMinor: tx.feeSat });
    } else {
      const a = payload.approval;
      const approval: eth.TransferApproval = {
        chainId: a.chainId,
        from: a.from as eth.EthAddress,
        to: a.to as eth.EthAddress,
        valueWei: BigInt(a.valueWei),
        nonce: BigInt(a.nonce),
        maxFeePerGasCapWei: BigInt(a.maxFeePerGasCapWei),
        maxPriorityFeePerGasCapWei: BigInt(a.maxPriorityFeePerGasCapWei),
        gasLimitMax: BigInt(a.gasLimitMax),
      };
      const s = await eth.verifySignedAgainstApproval(signed, approval);
      await this.o.eth!.client.sendRawTransaction(s.raw, s.hash);
      txid = s.hash;
      this.o.moves.add({ kind: 'refill', asset: 'ETH', txid, from: 'cold_wallet', to: 'hot_wallet', amountMinor: BigInt(payload.amountMinor) });
    }
    this.proposals.set(id, markExecuted(p, { actorId, nowMs }).proposal);
    return txid;
  }

  private must(id: string): Proposal {
    const p = this.proposals.get(id);
    if (p === undefined) throw new CustodyError('REFILL_STATE', 'unknown refill', { id });
    return p;
  }
}
