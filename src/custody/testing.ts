/** Test helpers for custody (tests only): an engine on a FileJournal, the BTC devnet, a signer process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as btc from '../chains/btc/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import type { Command } from '../core/commands.ts';
import type { CommandResult } from '../core/events.ts';
import { Engine, type Submission } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { generateIntentKey, type IntentKeyPair } from './intent.ts';
import { SignerProcess } from './signer/client.ts';
import type { AssetPolicy, SignerConfig } from './signer/core.ts';

export const DAY_MS = 24 * 3_600_000;

export interface Clock {
  now: number;
  (): number;
}
export function testClock(start = 1_800_000_000_000): Clock {
  const c = (() => c.now) as Clock;
  c.now = start;
  return c;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rampart-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openEngine(dir: string, clock: () => number): Promise<Engine> {
  return Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock });
}

export async function must(engine: Engine, s: Submission): Promise<CommandResult> {
  const r = await engine.submit(s);
  if (!r.ok) throw new Error(`${s.type} refused: ${r.error?.code} ${r.error?.message}`);
  return r;
}

export const BIG_POLICY: AssetPolicy = { txMaxMinor: 10n ** 24n, hourlyMaxMinor: 10n ** 24n, dailyMaxMinor: 10n ** 24n, hotCapMinor: 10n ** 24n, feeCapMinor: 10n ** 17n };

export function signerConfig(dir: string, intentKey: IntentKeyPair, over: Partial<SignerConfig> = {}): SignerConfig {
  return {
    dir: join(dir, 'signer', 'keys'),
    btcNetwork: 'regtest',
    ethChainId: 31337,
    intentPublicKeyHex: intentKey.publicKeyHex,
    policy: { BTC: { ...BIG_POLICY, feeCapMinor: 1_000_000n }, ETH: BIG_POLICY },
    dev: true,
    ...over,
  };
}

export async function startSigner(dir: string, over: Partial<SignerConfig> = {}, intentKey: IntentKeyPair = generateIntentKey()): Promise<{ signer: SignerProcess; intentKey: IntentKeyPair; config: SignerConfig }> {
  const config = signerConfig(dir, intentKey, over);
  const signer = await SignerProcess.start(config);
  return { signer, intentKey, config };
}

export async function startBtcDevnet(): Promise<{ devnet: btc.Devnet; rpc: btc.BtcRpc; mine: (n: number) => Promise<string[]> }> {
  const devnet = await btc.startDevnet({ rpcUser: 'rampart', rpcPassword: 'devnet', feeRateSatPerKvB: 2000n });
  const rpc = btc.createBtcRpcClient({ url: devnet.url, username: 'rampart', password: 'devnet', timeoutMs: 10_000 });
  const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
  return { devnet, rpc, mine: async (n) => (await rpc.call('generatetoaddress', [n, MINER])) as string[] };
}

/**
 * Brings a user to the point where a crypto withdrawal is accepted by the core's controls:
 * tier, prices, saved destination past its cooling-off (the clock is moved a day ahead).
 */
export async function prepareUser(engine: Engine, clock: Clock, userId: number, asset: string, destination: string): Promise<void> {
  await must(engine, { type: 'user.tier', userId, tier: 2 });
  await must(engine, { type: 'addressBook.add', userId, asset, destination, label: 'own wallet' });
  clock.now += DAY_MS + 1_000;
  await must(engine, { type: 'prices.set', pricesFils: { BTC: 35_000_000n, ETH: 1_200_000n } });
}

let confirmation = 0;
/** Requests, reviews if held (two staff), and authorises a withdrawal; returns the id. */
export async function authorisedWithdrawal(engine: Engine, clock: Clock, id: string, userId: number, asset: string, amount: bigint, destination: string, fee = 0n): Promise<string> {
  const ts = clock();
  const req = {
    type: 'withdrawal.request',
    withdrawalId: id,
    userId,
    asset,
    amount,
    fee,
    destination,
    confirmationId: `custody-conf-${++confirmation}-${id}`,
    confirmedTotp: true,
    emailConfirmed: true,
    confirmedTs: ts,
    via: 'session',
  } as Extract<Command, { type: 'withdrawal.request' }>;
  const { ts: _ts, ...submission } = req as typeof req & { ts?: number };
  const r = await must(engine, submission as Submission);
  const requested = r.events.find((e) => e.type === 'withdrawal.requested');
  if (requested?.type === 'withdrawal.requested' && requested.state === 'held') {
    await must(engine, { type: 'withdrawal.review', withdrawalId: id, staffId: 'staff-a', decision: 'approve' });
    await must(engine, { type: 'withdrawal.review', withdrawalId: id, staffId: 'staff-b', decision: 'approve' });
  }
  await must(engine, { type: 'withdrawal.authorize', withdrawalId: id });
  return id;
}

/** Holdings of a custody account: asset accounts carry debit balances, so holdings = −balance. */
export function holdings(engine: Engine, key: string): bigint {
  return -engine.core.ledger.balances[engine.core.accountByKey(key)]!;
}

export function balance(engine: Engine, key: string): bigint {
  return engine.core.ledger.balances[engine.core.accountByKey(key)]!;
}
