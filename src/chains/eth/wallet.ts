import { renameSync, writeFileSync, readFileSync, existsSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type LocalAccount,
  keccak256,
  parseTransaction,
  recoverMessageAddress,
  recoverTransactionAddress,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { assert } from '../../shared/assert.ts';
import { type EthAddress, LENIENT_ADDRESS_POLICY, parseAddress } from './address.ts';
import type { EthClient, EthReceipt, FeePolicy, Hash, Hex } from './client.ts';
import { DEFAULT_FEE_POLICY } from './client.ts';
import { ChainError } from './errors.ts';
import { deriveSigner, deriveSignerAtPath, mnemonicToSeed } from './hd.ts';

/** Gas of a plain ETH transfer to an account without code (Yellow Paper G_transaction). */
export const TRANSFER_GAS = 21_000n;
/** A signed type-2 transfer is ~115 bytes; anything much larger is not ours. */
const RAW_TX_HEX_LENGTH_MAX = 2 + 2 * 1024;
const UINT64_MAX = 2n ** 64n - 1n;
const UINT256_MAX = 2n ** 256n - 1n;

/** An unsigned EIP-1559 (type 2) native ETH transfer: no data, no access list. */
export interface UnsignedTransfer {
  chainId: number;
  nonce: bigint;
  to: EthAddress;
  valueWei: bigint;
  gasLimit: bigint;
  maxFeePerGasWei: bigint;
  maxPriorityFeePerGasWei: bigint;
}

export interface SignedTransfer {
  tx: UnsignedTransfer;
  from: EthAddress;
  raw: Hex;
  hash: Hash;
}

/** Validate the fields of a transfer; the one gate every build/parse goes through. */
export function checkTransfer(tx: UnsignedTransfer): UnsignedTransfer {
  const bad = (field: string, why: string): never => {
    throw new ChainError('TX_MALFORMED', `transaction ${field} ${why}`, { field });
  };
  if (!Number.isSafeInteger(tx.chainId) || tx.chainId <= 0) bad('chainId', 'must be a positive integer (EIP-155)');
  if (tx.nonce < 0n || tx.nonce >= UINT64_MAX) bad('nonce', 'must be in 0..2^64-2 (EIP-2681)');
  if (tx.valueWei < 0n || tx.valueWei > UINT256_MAX) bad('valueWei', 'out of range');
  if (tx.gasLimit < TRANSFER_GAS || tx.gasLimit > 30_000_000n) bad('gasLimit', 'out of range');
  if (tx.maxPriorityFeePerGasWei < 0n || tx.maxFeePerGasWei <= 0n) bad('fees', 'must be positive');
  // EIP-1559: a tx whose tip exceeds its fee cap is invalid.
  if (tx.maxPriorityFeePerGasWei > tx.maxFeePerGasWei) bad('maxPriorityFeePerGasWei', 'exceeds maxFeePerGasWei');
  if (tx.maxFeePerGasWei > UINT256_MAX) bad('maxFeePerGasWei', 'out of range');
  parseAddress(tx.to, { ...LENIENT_ADDRESS_POLICY, allowZero: false });
  return tx;
}

function toViem(tx: UnsignedTransfer): TransactionSerializableEIP1559 {
  return {
    type: 'eip1559',
    chainId: tx.chainId,
    nonce: Number(tx.nonce),
    to: tx.to,
    value: tx.valueWei,
    gas: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGasWei,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGasWei,
    accessList: [],
    data: '0x',
  };
}

/** EIP-2718 envelope 0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data, accessList]). */
export function serializeUnsigned(tx: UnsignedTransfer): Hex {
  checkTransfer(tx);
  assert(tx.nonce <= BigInt(Number.MAX_SAFE_INTEGER), 'nonce fits viem number');
  return serializeTransaction(toViem(tx));
}

/** Parse a (possibly signed) serialized transaction into our strict transfer shape. */
function parseAny(hex: unknown, expectSigned: boolean): { tx: UnsignedTransfer; signed: boolean } {
  if (typeof hex !== 'string' || !/^0x02([0-9a-fA-F]{2})+$/.test(hex) || hex.length > RAW_TX_HEX_LENGTH_MAX) {
    throw new ChainError('TX_MALFORMED', 'not a serialized EIP-1559 (type 0x02) transaction', {});
  }
  let p: ReturnType<typeof parseTransaction<Hex>>;
  try {
    p = parseTransaction(hex as Hex);
  } catch (e) {
    throw new ChainError('TX_MALFORMED', 'transaction does not decode', { reason: (e as Error).message.slice(0, 200) });
  }
  if (p.type !== 'eip1559') throw new ChainError('TX_MALFORMED', 'only EIP-1559 transactions are accepted', { type: p.type });
  const signed = p.r !== undefined || p.s !== undefined;
  if (signed !== expectSigned) throw new ChainError('TX_MALFORMED', expectSigned ? 'transaction is not signed' : 'transaction is already signed', {});
  if (p.data !== undefined && p.data !== '0x') throw new ChainError('TX_MALFORMED', 'native transfers carry no data', {});
  if (p.accessList !== undefined && p.accessList.length > 0) throw new ChainError('TX_MALFORMED', 'native transfers carry no access list', {});
  if (p.to === undefined || p.to === null) throw new ChainError('TX_MALFORMED', 'contract creation is not a transfer', {});
  const tx = checkTransfer({
    chainId: p.chainId,
    nonce: BigInt(p.nonce ?? 0),
    to: parseAddress(p.to, { ...LENIENT_ADDRESS_POLICY, allowZero: true }),
    valueWei: p.value ?? 0n,
    gasLimit: p.gas ?? 0n,
    maxFeePerGasWei: p.maxFeePerGas ?? 0n,
    maxPriorityFeePerGasWei: p.maxPriorityFeePerGas ?? 0n,
  });
  return { tx, signed };
}

export function parseUnsigned(hex: unknown): UnsignedTransfer {
  return parseAny(hex, false).tx;
}

/** Parse a signed transfer and recover its sender. */
export async function parseSigned(raw: unknown): Promise<SignedTransfer> {
  const { tx } = parseAny(raw, true);
  let from: string;
  try {
    from = await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` });
  } catch (e) {
    throw new ChainError('SIGNATURE_INVALID', 'cannot recover the signer', { reason: (e as Error).message.slice(0, 200) });
  }
  return { tx, from: parseAddress(from, LENIENT_ADDRESS_POLICY), raw: raw as Hex, hash: keccak256(raw as Hex) };
}

/**
 * Sign with a viem local account. secp256k1 signing in viem is RFC 6979
 * deterministic, so the same transfer signed twice gives the same hash: the
 * property crash recovery relies on.
 */
export async function signTransfer(tx: UnsignedTransfer, account: LocalAccount): Promise<SignedTransfer> {
  checkTransfer(tx);
  const raw = (await account.signTransaction(toViem(tx))) as Hex;
  const signed = await parseSigned(raw);
  assert(signed.from === parseAddress(account.address, LENIENT_ADDRESS_POLICY), 'recovered signer is the account');
  return signed;
}

/** viem local account for BIP44 address `index` (m/44'/60'/account'/0/index) of a seed: the hot signer. */
export function accountFromSeed(seed: Uint8Array, index: number, account = 0): LocalAccount {
  return privateKeyToAccount(deriveSigner(seed, index, account).privateKey);
}

// ---- Cold → hot refills: approval, offline signing, tamper checks ---------

/** What the operators approved for a refill or withdrawal; the signed tx must match exactly. */
export interface TransferApproval {
  chainId: number;
  from: EthAddress;
  to: EthAddress;
  valueWei: bigint;
  nonce: bigint;
  maxFeePerGasCapWei: bigint;
  maxPriorityFeePerGasCapWei: bigint;
  gasLimitMax: bigint;
}

/** Throw TX_NOT_APPROVED naming the first field that differs from the approval. */
export function checkAgainstApproval(tx: UnsignedTransfer, a: TransferApproval): void {
  const deny = (field: string, got: unknown, want: unknown): never => {
    throw new ChainError('TX_NOT_APPROVED', `transaction ${field} differs from the approval`, { field, got: String(got), approved: String(want) });
  };
  if (tx.chainId !== a.chainId) deny('chainId', tx.chainId, a.chainId);
  if (tx.to !== a.to) deny('to', tx.to, a.to);
  if (tx.valueWei !== a.valueWei) deny('valueWei', tx.valueWei, a.valueWei);
  if (tx.nonce !== a.nonce) deny('nonce', tx.nonce, a.nonce);
  if (tx.maxFeePerGasWei > a.maxFeePerGasCapWei) deny('maxFeePerGasWei', tx.maxFeePerGasWei, a.maxFeePerGasCapWei);
  if (tx.maxPriorityFeePerGasWei > a.maxPriorityFeePerGasCapWei) deny('maxPriorityFeePerGasWei', tx.maxPriorityFeePerGasWei, a.maxPriorityFeePerGasCapWei);
  if (tx.gasLimit > a.gasLimitMax) deny('gasLimit', tx.gasLimit, a.gasLimitMax);
}

/**
 * The offline tool: check the unsigned refill against the approval shown to
 * the operators, derive the key at `path`, check it is the approved sender,
 * sign. Nothing is signed unless all of that holds.
 */
export async function coldSign(unsignedHex: Hex, mnemonic: string, path: string, approval: TransferApproval): Promise<SignedTransfer> {
  const tx = parseUnsigned(unsignedHex);
  checkAgainstApproval(tx, approval);
  const signer = deriveSignerAtPath(mnemonicToSeed(mnemonic), path);
  if (signer.address !== approval.from) {
    throw new ChainError('TX_SIGNER_MISMATCH', 'the key at this path is not the approved sender', { path, derived: signer.address, approved: approval.from });
  }
  return signTransfer(tx, privateKeyToAccount(signer.privateKey));
}

/** Hot side, before broadcasting a signed refill: it must be exactly what was approved. */
export async function verifySignedAgainstApproval(raw: unknown, approval: TransferApproval): Promise<SignedTransfer> {
  const s = await parseSigned(raw);
  checkAgainstApproval(s.tx, approval);
  if (s.from !== approval.from) {
    throw new ChainError('TX_SIGNER_MISMATCH', 'signed by another key than the approved sender', { from: s.from, approved: approval.from });
  }
  return s;
}

// ---- Replacement (fee bump) -----------------------------------------------

/**
 * Fees for a replacement of a stuck tx with the same nonce. Geth's txpool
 * (PriceBump = 10%) requires both maxFeePerGas and maxPriorityFeePerGas to
 * rise by at least 10%; we add 1 wei over the exact 10% to survive rounding.
 * `floor` (current network fees) is honoured when higher.
 */
export function bumpFees(
  old: { maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint },
  floor?: { maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint },
): { maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint } {
  const bump = (x: bigint): bigint => x + (x + 9n) / 10n + 1n; // ≥ x·1.1 + 1
  let tip = bump(old.maxPriorityFeePerGasWei);
  let max = bump(old.maxFeePerGasWei);
  if (floor && floor.maxPriorityFeePerGasWei > tip) tip = floor.maxPriorityFeePerGasWei;
  if (floor && floor.maxFeePerGasWei > max) max = floor.maxFeePerGasWei;
  if (tip > max) max = tip;
  assert(tip * 10n >= old.maxPriorityFeePerGasWei * 11n && max * 10n >= old.maxFeePerGasWei * 11n, 'bump is at least 10%');
  return { maxFeePerGasWei: max, maxPriorityFeePerGasWei: tip };
}

// ---- EIP-191 personal_sign (proof of reserves) ----------------------------

/** keccak256("\x19Ethereum Signed Message:\n" + len(message) + message), EIP-191 version 0x45. */
export function hashPersonalMessage(message: string): Hash {
  const body = utf8ToBytes(message);
  const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${body.length}`);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix);
  all.set(body, prefix.length);
  return `0x${bytesToHex(keccak_256(all))}`;
}

export async function signPersonalMessage(account: LocalAccount, message: string): Promise<Hex> {
  return (await account.signMessage({ message })) as Hex;
}

/** True when `signature` over `message` (EIP-191) recovers to `address`. Never throws on garbage. */
export async function verifyPersonalMessage(address: EthAddress, message: string, signature: unknown): Promise<boolean> {
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
  try {
    const who = await recoverMessageAddress({ message, signature: signature as Hex });
    return parseAddress(who, LENIENT_ADDRESS_POLICY) === address;
  } catch {
    return false;
  }
}

// ---- Intents and the restart-safe nonce manager ---------------------------

export interface IntentAttempt {
  maxFeePerGasWei: bigint;
  maxPriorityFeePerGasWei: bigint;
  /** null until the signed hash was recorded (a crash may leave it null). */
  hash: Hash | null;
}

/**
 * A withdrawal intent. Its unsigned transaction (all fields) is recorded
 * BEFORE signing, so after a crash the same tx can be re-signed to the same
 * hash; on chain it is identified by (from, nonce).
 */
export interface WithdrawalIntent {
  intentId: string;
  chainId: number;
  from: EthAddress;
  nonce: bigint;
  to: EthAddress;
  valueWei: bigint;
  gasLimit: bigint;
  attempts: IntentAttempt[];
}

export interface IntentStore {
  get(intentId: string): WithdrawalIntent | undefined;
  /** Durable when it returns. */
  put(intent: WithdrawalIntent): void;
  all(): WithdrawalIntent[];
}

export class MemoryIntentStore implements IntentStore {
  protected readonly map = new Map<string, WithdrawalIntent>();
  get(id: string): WithdrawalIntent | undefined {
    const i = this.map.get(id);
    return i ? structuredClone(i) : undefined;
  }
  put(intent: WithdrawalIntent): void {
    this.map.set(intent.intentId, structuredClone(intent));
  }
  all(): WithdrawalIntent[] {
    return [...this.map.values()].map((i) => structuredClone(i));
  }
}

const BIGINT_FIELDS = ['nonce', 'valueWei', 'gasLimit'] as const;

/** JSON file store, written atomically (temp + fsync + rename) so a crash leaves old or new, never half. */
export class FileIntentStore extends MemoryIntentStore {
  constructor(private readonly path: string) {
    super();
    if (existsSync(path)) {
      const rows = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
      for (const r of rows) {
        const intent = { ...r } as unknown as WithdrawalIntent;
        for (const f of BIGINT_FIELDS) (intent as unknown as Record<string, unknown>)[f] = BigInt(r[f] as string);
        intent.attempts = (r.attempts as Record<string, string | null>[]).map((a) => ({
          maxFeePerGasWei: BigInt(a.maxFeePerGasWei as string),
          maxPriorityFeePerGasWei: BigInt(a.maxPriorityFeePerGasWei as string),
          hash: (a.hash ?? null) as Hash | null,
        }));
        this.map.set(intent.intentId, intent);
      }
    }
  }
  override put(intent: WithdrawalIntent): void {
    super.put(intent);
    const text = JSON.stringify([...this.map.values()], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, text);
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
  }
}

export function attemptTx(intent: WithdrawalIntent, a: IntentAttempt): UnsignedTransfer {
  return {
    chainId: intent.chainId,
    nonce: intent.nonce,
    to: intent.to,
    valueWei: intent.valueWei,
    gasLimit: intent.gasLimit,
    maxFeePerGasWei: a.maxFeePerGasWei,
    maxPriorityFeePerGasWei: a.maxPriorityFeePerGasWei,
  };
}

export type IntentStatus =
  /** One of our attempts is in a block. */
  | { state: 'mined'; hash: Hash; receipt: EthReceipt }
  /** One of our attempts is in the node's mempool. */
  | { state: 'pending'; hash: Hash }
  /** Nonce untouched on chain and none of our hashes known: safe to (re)broadcast. */
  | { state: 'not_broadcast' }
  /** The nonce was consumed by a tx that is none of our attempts: alert, never resend. */
  | { state: 'nonce_conflict'; chainNonce: bigint };

export interface HotWalletOptions {
  client: EthClient;
  store: IntentStore;
  account: LocalAccount;
  feePolicy?: FeePolicy;
  /** Test hook: called after signing, before the hash is recorded. Throw to simulate a crash. */
  afterSign?: (signed: SignedTransfer) => void;
}

export interface WithdrawResult {
  intentId: string;
  from: EthAddress;
  nonce: bigint;
  hash: Hash;
  /** What happened now: sent fresh, node already had it, or chain already had it. */
  outcome: 'sent' | 'already_known' | 'already_mined' | 'already_pending';
}

/**
 * Hot-wallet signer for native ETH withdrawals, idempotent by intent id.
 * Nonce = max(node's pending count, highest locally recorded nonce + 1), so a
 * restart neither reuses a nonce nor depends on the node's mempool alone.
 */
export class HotWallet {
  readonly address: EthAddress;
  private readonly client: EthClient;
  private readonly store: IntentStore;
  private readonly account: LocalAccount;
  private readonly policy: FeePolicy;
  private readonly afterSign: ((s: SignedTransfer) => void) | undefined;

  constructor(o: HotWalletOptions) {
    this.client = o.client;
    this.store = o.store;
    this.account = o.account;
    this.policy = o.feePolicy ?? DEFAULT_FEE_POLICY;
    this.afterSign = o.afterSign;
    this.address = parseAddress(o.account.address, LENIENT_ADDRESS_POLICY);
  }

  /** Serialises withdraw/resume/replace: two concurrent withdrawals must never pick the same nonce. */
  private lock: Promise<unknown> = Promise.resolve();
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  async nextNonce(): Promise<bigint> {
    const pending = await this.client.getNonce(this.address, 'pending');
    let next = pending;
    for (const i of this.store.all()) if (i.from === this.address && i.nonce + 1n > next) next = i.nonce + 1n;
    return next;
  }

  /** Withdraw `valueWei` to `to` once per `intentId`; calling again resumes, never double-sends. */
  withdraw(intentId: string, to: EthAddress, valueWei: bigint): Promise<WithdrawResult> {
    return this.exclusive(() => this.withdrawLocked(intentId, to, valueWei));
  }

  private async withdrawLocked(intentId: string, to: EthAddress, valueWei: bigint): Promise<WithdrawResult> {
    assert(intentId.length > 0 && intentId.length <= 200, 'intent id length');
    const existing = this.store.get(intentId);
    if (existing) {
      if (existing.to !== to || existing.valueWei !== valueWei || existing.from !== this.address) {
        throw new ChainError('INTENT_CONFLICT', 'intent id reused with other parameters', { intentId });
      }
      return this.resumeLocked(intentId);
    }
    if (valueWei <= 0n) throw new ChainError('TX_MALFORMED', 'withdrawal value must be positive', { intentId });
    const fees = await this.client.feeData(this.policy);
    // Refuse before reserving a nonce: a reserved nonce the node then rejects
    // would hold every later withdrawal behind it until resumed.
    const balanceWei = await this.client.getBalance(this.address, 'pending');
    const neededWei = valueWei + TRANSFER_GAS * fees.maxFeePerGasWei;
    if (balanceWei < neededWei) {
      throw new ChainError('INSUFFICIENT_FUNDS', 'hot wallet balance does not cover value + max fee', {
        intentId,
        balanceWei: balanceWei.toString(),
        neededWei: neededWei.toString(),
      });
    }
    const intent: WithdrawalIntent = {
      intentId,
      chainId: this.client.chainId,
      from: this.address,
      nonce: await this.nextNonce(),
      to,
      valueWei,
      gasLimit: TRANSFER_GAS,
      attempts: [{ maxFeePerGasWei: fees.maxFeePerGasWei, maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei, hash: null }],
    };
    checkTransfer(attemptTx(intent, intent.attempts[0] as IntentAttempt));
    this.store.put(intent); // durable before signing
    return this.signRecordSend(intent, 0);
  }

  private async signRecordSend(intent: WithdrawalIntent, attemptIndex: number): Promise<WithdrawResult> {
    const attempt = intent.attempts[attemptIndex];
    assert(attempt !== undefined, 'attempt exists');
    const signed = await signTransfer(attemptTx(intent, attempt), this.account);
    if (attempt.hash !== null && attempt.hash !== signed.hash) {
      throw new ChainError('INTENT_CONFLICT', 're-signing gave another hash (non-deterministic signer?)', { intentId: intent.intentId });
    }
    this.afterSign?.(signed);
    attempt.hash = signed.hash;
    this.store.put(intent);
    const sent = await this.client.sendRawTransaction(signed.raw, signed.hash);
    return { intentId: intent.intentId, from: intent.from, nonce: intent.nonce, hash: signed.hash, outcome: sent.alreadyKnown ? 'already_known' : 'sent' };
  }

  /** Where is this intent on chain? Recomputes missing hashes by deterministic re-signing. */
  async status(intentId: string): Promise<IntentStatus> {
    const intent = this.store.get(intentId);
    if (!intent) throw new ChainError('INTENT_UNKNOWN', 'no such intent', { intentId });
    const hashes: Hash[] = [];
    for (const a of intent.attempts) hashes.push(a.hash ?? (await signTransfer(attemptTx(intent, a), this.account)).hash);
    for (const h of hashes) {
      const r = await this.client.getReceipt(h);
      if (r) return { state: 'mined', hash: h, receipt: r };
    }
    const mined = await this.client.getNonce(intent.from, 'latest');
    if (mined > intent.nonce) {
      // Re-check receipts: one may have been mined between the two queries.
      for (const h of hashes) {
        const r = await this.client.getReceipt(h);
        if (r) return { state: 'mined', hash: h, receipt: r };
      }
      return { state: 'nonce_conflict', chainNonce: mined };
    }
    for (const h of [...hashes].reverse()) if (await this.client.getTransaction(h)) return { state: 'pending', hash: h };
    return { state: 'not_broadcast' };
  }

  /** After a restart: finish what an intent started, exactly once. */
  resume(intentId: string): Promise<WithdrawResult> {
    return this.exclusive(() => this.resumeLocked(intentId));
  }

  private async resumeLocked(intentId: string): Promise<WithdrawResult> {
    const intent = this.store.get(intentId);
    if (!intent) throw new ChainError('INTENT_UNKNOWN', 'no such intent', { intentId });
    const st = await this.status(intentId);
    const base = { intentId, from: intent.from, nonce: intent.nonce };
    if (st.state === 'mined') return { ...base, hash: st.hash, outcome: 'already_mined' };
    if (st.state === 'pending') return { ...base, hash: st.hash, outcome: 'already_pending' };
    if (st.state === 'nonce_conflict') {
      throw new ChainError('INTENT_CONFLICT', 'nonce consumed by a transaction that is not this intent', { intentId, nonce: intent.nonce.toString() });
    }
    // Not on chain and not in the mempool: rebroadcast the latest attempt (same bytes, same hash).
    return this.signRecordSend(intent, intent.attempts.length - 1);
  }

  /** Replace a stuck (pending) intent: same nonce, fees bumped ≥ 10% + 1 wei. */
  replace(intentId: string): Promise<WithdrawResult> {
    return this.exclusive(() => this.replaceLocked(intentId));
  }

  private async replaceLocked(intentId: string): Promise<WithdrawResult> {
    const intent = this.store.get(intentId);
    if (!intent) throw new ChainError('INTENT_UNKNOWN', 'no such intent', { intentId });
    // Never replace what is already settled: a mined intent is done, a spent nonce is an incident.
    const st = await this.status(intentId);
    if (st.state === 'mined') return { intentId, from: intent.from, nonce: intent.nonce, hash: st.hash, outcome: 'already_mined' };
    if (st.state === 'nonce_conflict') {
      throw new ChainError('INTENT_CONFLICT', 'nonce consumed by a transaction that is not this intent', { intentId, nonce: intent.nonce.toString() });
    }
    const last = intent.attempts[intent.attempts.length - 1];
    assert(last !== undefined, 'intent has an attempt');
    const network = await this.client.feeData(this.policy);
    const fees = bumpFees(last, network);
    if (fees.maxFeePerGasWei > this.policy.maxFeePerGasCapWei) {
      throw new ChainError('FEE_CAP_EXCEEDED', 'replacement would exceed the fee cap', { intentId, maxFeePerGasWei: fees.maxFeePerGasWei.toString() });
    }
    intent.attempts.push({ ...fees, hash: null });
    this.store.put(intent); // durable before signing
    return this.signRecordSend(intent, intent.attempts.length - 1);
  }
}
