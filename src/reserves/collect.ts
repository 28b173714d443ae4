import { type BtcRpc, JsonNumber, type JsonValue, btcTextToSat, parseAddress as parseBtcAddress } from '../chains/btc/index.ts';
import { type EthClient, LENIENT_ADDRESS_POLICY, parseAddress as parseEthAddress } from '../chains/eth/index.ts';
import { assert } from '../shared/assert.ts';
import { BUNDLE_ADDRESS_COUNT_MAX, type DeclaredBankBalance, type ReserveAddress, type ReservesBundle, reserveMessage } from './bundle.ts';
import { ReservesError } from './errors.ts';
import { type AsyncSignatureVerifier, btcNetworkOfAddress, chainSignatureVerifiers } from './signatures.ts';

/**
 * The reserves side of a snapshot: every address's balance read from the nodes at ONE stated
 * block height per chain (so coins moved between two addresses during the read cannot be
 * counted twice), and the bank balance from the latest reconciled statement (declared: a bank
 * cannot sign). Then the auditor bundle: readings plus one proof-of-control signature per address.
 */

/** Concurrent balance reads against one node. */
export const READ_CONCURRENCY_MAX = 8;

export interface BankStatementBalance {
  /** Closing balance of the reconciled camt.053 statement, fils. */
  closingBalanceFils: bigint;
  /** Statement id (camt.053 Stmt/Id): what the auditor asks the bank to confirm. */
  statementId: string;
  /** Statement date, "YYYY-MM-DD" or ISO 8601 UTC. */
  date: string;
  bank?: string;
  /** IBAN of the omnibus account. */
  account?: string;
}

export interface ReservesSources {
  /** Bitcoin Core: balances through `scantxoutset` (no wallet or index needed), which reports the height it scanned at. */
  btc?: { rpc: Pick<BtcRpc, 'call' | 'getBlockHash'>; addresses: readonly string[] };
  /** Ethereum node: `eth_getBalance` at one block number (default: the latest when the read starts). */
  eth?: { client: Pick<EthClient, 'blockNumber' | 'getBalance' | 'getBlock'>; addresses: readonly string[]; blockHeight?: bigint };
  bank?: BankStatementBalance;
}

export interface ReserveReading {
  asset: string;
  address: string;
  balanceMinor: bigint;
  blockHeight: number;
  blockHash: string;
}

export interface ReservesReadings {
  addresses: ReserveReading[];
  bank: DeclaredBankBalance[];
}

function readError(message: string, details: Record<string, unknown> = {}): ReservesError {
  return new ReservesError('RESERVES_READ', message, details);
}

function uniqueAddresses(list: readonly string[], canonical: (a: string) => string, asset: string): string[] {
  if (list.length > BUNDLE_ADDRESS_COUNT_MAX) throw new ReservesError('POR_INPUT', `at most ${BUNDLE_ADDRESS_COUNT_MAX} addresses`, { asset });
  const out = list.map(canonical);
  if (new Set(out).size !== out.length) throw new ReservesError('POR_INPUT', 'an address is listed twice (it would be counted twice)', { asset });
  return out;
}

function jsonInt(v: JsonValue | undefined, what: string): number {
  const n = v instanceof JsonNumber ? Number(v.text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw readError(`scantxoutset: ${what} is not a non-negative integer`);
  return n;
}

async function readBtc(src: NonNullable<ReservesSources['btc']>): Promise<ReserveReading[]> {
  const addresses = uniqueAddresses(
    src.addresses,
    (a) => {
      const network = btcNetworkOfAddress(a);
      return parseBtcAddress(a, network).address;
    },
    'BTC',
  );
  if (addresses.length === 0) return [];
  const scriptToAddress = new Map(addresses.map((a) => [Buffer.from(parseBtcAddress(a, btcNetworkOfAddress(a)).scriptPubKey).toString('hex'), a]));
  // One scan for all addresses: one UTXO-set state, one height, one block hash.
  const raw = await src.rpc.call('scantxoutset', ['start', addresses.map((a) => `addr(${a})`)]);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof JsonNumber) throw readError('scantxoutset: unexpected answer');
  const r = raw as { [k: string]: JsonValue };
  if (r.success !== true) throw readError('scantxoutset did not complete');
  const height = jsonInt(r.height, 'height');
  const bestblock = r.bestblock;
  if (typeof bestblock !== 'string' || !/^[0-9a-f]{64}$/.test(bestblock)) throw readError('scantxoutset: bestblock malformed');
  // The node's block at that height must be the block the scan reports (no reorg mid-read).
  const atHeight = await src.rpc.getBlockHash(height);
  if (atHeight !== bestblock) throw readError('scantxoutset: bestblock is not the block at the reported height (reorg during read?)', { height });
  const balances = new Map(addresses.map((a) => [a, 0n]));
  const unspents = r.unspents;
  if (!Array.isArray(unspents)) throw readError('scantxoutset: unspents missing');
  for (const u of unspents) {
    if (typeof u !== 'object' || u === null || Array.isArray(u) || u instanceof JsonNumber) throw readError('scantxoutset: unspent malformed');
    const script = u.scriptPubKey;
    const amount = u.amount;
    const owner = typeof script === 'string' ? scriptToAddress.get(script.toLowerCase()) : undefined;
    if (owner === undefined) throw readError('scantxoutset: unspent for an address not asked about');
    const sat = amount instanceof JsonNumber ? btcTextToSat(amount.text) : null;
    if (sat === null) throw readError('scantxoutset: amount malformed');
    balances.set(owner, balances.get(owner)! + sat);
  }
  return addresses.map((address) => ({ asset: 'BTC', address, balanceMinor: balances.get(address)!, blockHeight: height, blockHash: bestblock }));
}

async function readEth(src: NonNullable<ReservesSources['eth']>): Promise<ReserveReading[]> {
  const addresses = uniqueAddresses(src.addresses, (a) => parseEthAddress(a, LENIENT_ADDRESS_POLICY), 'ETH');
  if (addresses.length === 0) return [];
  const height = src.blockHeight ?? (await src.client.blockNumber());
  if (height < 0n || height > BigInt(Number.MAX_SAFE_INTEGER)) throw readError('block height out of range');
  const block = await src.client.getBlock(height);
  if (block === null) throw readError('block not found', { height: height.toString() });
  const out: ReserveReading[] = new Array(addresses.length);
  for (let i = 0; i < addresses.length; i += READ_CONCURRENCY_MAX) {
    const batch = addresses.slice(i, i + READ_CONCURRENCY_MAX);
    const values = await Promise.all(batch.map((a) => src.client.getBalance(a as Parameters<EthClient['getBalance']>[0], height)));
    values.forEach((v, k) => {
      out[i + k] = { asset: 'ETH', address: batch[k]!, balanceMinor: v, blockHeight: Number(height), blockHash: block.hash };
    });
  }
  // Same block after the reads: a reorg in between would mix two states.
  const after = await src.client.getBlock(height);
  if (after === null || after.hash !== block.hash) throw readError('block changed during the read (reorg?)', { height: height.toString() });
  return out;
}

function bankReading(bank: BankStatementBalance): DeclaredBankBalance {
  if (typeof bank.closingBalanceFils !== 'bigint' || bank.closingBalanceFils < 0n) throw new ReservesError('POR_INPUT', 'bank closing balance must be a non-negative bigint of fils', {});
  if (typeof bank.statementId !== 'string' || bank.statementId.length === 0 || bank.statementId.length > 200) throw new ReservesError('POR_INPUT', 'statementId required', {});
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(bank.date) ? `${bank.date}T00:00:00Z` : bank.date;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(asOf)) throw new ReservesError('POR_INPUT', 'statement date must be YYYY-MM-DD or ISO 8601 UTC', { date: bank.date });
  return { asset: 'AED', bank: bank.bank ?? 'bank', account: bank.account ?? 'omnibus', balance: bank.closingBalanceFils.toString(), asOf, statementRef: bank.statementId };
}

/** Reads every reserve address's balance (one height per chain) and the declared bank balance. */
export async function collectReserves(sources: ReservesSources): Promise<ReservesReadings> {
  const [btc, eth] = await Promise.all([sources.btc ? readBtc(sources.btc) : [], sources.eth ? readEth(sources.eth) : []]);
  return { addresses: [...btc, ...eth], bank: sources.bank ? [bankReading(sources.bank)] : [] };
}

type Header = Pick<ReservesBundle, 'snapshotTime' | 'journalSeq' | 'liabilitiesRootHash'>;

/** What each address must sign for this snapshot: hand the cold ones to the offline cold-sign tool. */
export function messagesToSign(header: Header, readings: ReservesReadings): Array<{ asset: string; address: string; message: string }> {
  return readings.addresses.map((r) => ({ asset: r.asset, address: r.address, message: reserveMessage(header, r.asset, r.address) }));
}

/** Key of a signature in the map given to buildReservesBundle: "ASSET:address". */
export const signatureKey = (asset: string, address: string): string => `${asset}:${address}`;

/**
 * The auditor bundle. Every address needs a signature (hot: signBtcReserve / signEthReserve;
 * cold: from the cold-sign tool), and every signature is checked before the bundle is
 * written (RESERVES_SIGNATURE_MISSING / RESERVES_SIGNATURE_INVALID): a bundle that would fail the
 * auditor's check is never published.
 */
export async function buildReservesBundle(
  header: Header,
  readings: ReservesReadings,
  signatures: Readonly<Record<string, string>>,
  verifiers: Readonly<Record<string, AsyncSignatureVerifier>> = chainSignatureVerifiers(),
): Promise<ReservesBundle> {
  const addresses: ReserveAddress[] = [];
  for (const r of readings.addresses) {
    const key = signatureKey(r.asset, r.address);
    const signature = Object.hasOwn(signatures, key) ? signatures[key] : undefined;
    if (signature === undefined) throw new ReservesError('RESERVES_SIGNATURE_MISSING', 'no proof-of-control signature for a reserve address', { asset: r.asset, address: r.address });
    const verify = verifiers[r.asset];
    const ok = verify !== undefined && (await verify(r.asset, r.address, reserveMessage(header, r.asset, r.address), signature));
    if (!ok) throw new ReservesError('RESERVES_SIGNATURE_INVALID', 'signature does not prove control of the address for this snapshot', { asset: r.asset, address: r.address });
    addresses.push({ asset: r.asset, address: r.address, balance: r.balanceMinor.toString(), blockHeight: r.blockHeight, blockHash: r.blockHash, signature });
  }
  const totals: Record<string, bigint> = {};
  for (const r of readings.addresses) totals[r.asset] = (totals[r.asset] ?? 0n) + r.balanceMinor;
  for (const b of readings.bank) totals[b.asset] = (totals[b.asset] ?? 0n) + BigInt(b.balance);
  const bundle: ReservesBundle = {
    version: 1,
    snapshotTime: header.snapshotTime,
    journalSeq: header.journalSeq,
    liabilitiesRootHash: header.liabilitiesRootHash,
    addresses,
    bankBalances: readings.bank.map((b) => ({ ...b })),
    totals: Object.fromEntries(Object.entries(totals).map(([a, v]) => [a, v.toString()])),
  };
  assert(bundle.addresses.length === readings.addresses.length, 'every reading is in the bundle');
  return bundle;
}
