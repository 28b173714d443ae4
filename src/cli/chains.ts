import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as btc from '../chains/btc/index.ts';
import * as eth from '../chains/eth/index.ts';
import { type AssetPolicy, CustodyService, generateIntentKey, type IntentKeyPair, MemoryAlertSink, SignerProcess } from '../custody/index.ts';
import { formatDecimal, parseDecimal } from '../shared/decimal.ts';
import { ValidationError } from '../shared/errors.ts';
import { btcRpcTxSource, ethScanTxSource, ScreeningDepositScreener, ScreeningStore, withdrawalScreen } from '../screening/service/index.ts';
import { adminExtensions } from './admin.ts';
import type { Runtime } from './runtime.ts';

/**
 * The demo's dev chains: the in-process Bitcoin regtest devnet, a hardhat@2 EVM node, the
 * separate signer process and the custody loop (deposits credited after confirmations,
 * sweeps, hot/cold rebalancing, withdrawals signed under the signer's own policy).
 * DEV ONLY: the cold seed and the intent key are generated into the data directory so the
 * demo is self-contained; production takes cold xpubs only and keys from the environment.
 */
export interface DevChains {
  readonly custody: CustodyService;
  readonly alerts: MemoryAlertSink;
  stop(): Promise<void>;
}

const DEV_COLD_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const DEMO_POLICY: AssetPolicy = { txMaxMinor: 10n ** 22n, hourlyMaxMinor: 10n ** 23n, dailyMaxMinor: 10n ** 24n, hotCapMinor: 10n ** 24n, feeCapMinor: 10n ** 17n };
export const DEV_CONFIRMATIONS = 2;

function devIntentKey(dir: string): IntentKeyPair {
  const path = join(dir, 'intent-key.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as IntentKeyPair;
  const k = generateIntentKey();
  writeFileSync(path, JSON.stringify(k), { mode: 0o600 });
  return k;
}

export async function startDevChains(rt: Runtime, log: (line: string) => void): Promise<DevChains> {
  const secrets = join(rt.config.dataDir, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const devnet = await btc.startDevnet({ rpcUser: 'rampart', rpcPassword: 'devnet', feeRateSatPerKvB: 2000n });
  const rpc = btc.createBtcRpcClient({ url: devnet.url, username: 'rampart', password: 'devnet', timeoutMs: 10_000 });
  const mineBtc = (n: number) => rpc.call('generatetoaddress', [n, MINER]);
  const node = await eth.startHardhatNode({ accountCount: 2 });
  const client = await eth.EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 31337 });
  const coldSeed = btc.mnemonicToSeed(DEV_COLD_MNEMONIC);
  const intentKey = devIntentKey(secrets);
  const signer = await SignerProcess.start({
    dir: join(rt.config.dataDir, 'signer', 'keys'),
    btcNetwork: 'regtest',
    ethChainId: 31337,
    intentPublicKeyHex: intentKey.publicKeyHex,
    policy: { BTC: { ...DEMO_POLICY, feeCapMinor: 1_000_000n }, ETH: DEMO_POLICY },
    coldBtcXpub: btc.bip84Account(coldSeed, 'regtest').xpub,
    coldEthXpub: eth.accountXpubFromSeed(eth.mnemonicToSeed(DEV_COLD_MNEMONIC), 0),
    dev: true,
  });
  const alerts = new MemoryAlertSink();
  // Stolen-funds screening on by default: deposits over the exposure threshold are credited frozen with a case.
  const screening = ScreeningStore.open(rt.config.dataDir);
  const ethSource = ethScanTxSource(client);
  const screener = new ScreeningDepositScreener({ store: screening, clock: Date.now, btc: { source: btcRpcTxSource(rpc, screening) }, eth: { source: ethSource, client } });
  const screenDestination = withdrawalScreen({ store: screening, clock: Date.now, eth: { source: ethSource, client } });
  // Every run starts fresh devnets, so custody's chain positions start fresh too (no state file).
  const custody = await CustodyService.start({
    engine: rt.engine,
    signer,
    intentSecretKeyHex: intentKey.secretKeyHex,
    alerts,
    clock: Date.now,
    btc: { rpc, network: 'regtest', startHeight: (await rpc.getBlockchainInfo()).blocks + 1, coldXpub: btc.bip84Account(coldSeed, 'regtest').xpub, confirmations: DEV_CONFIRMATIONS, feeCapSat: 100_000n },
    eth: { client, fromBlock: (await client.blockNumber()) + 1n, coldXpub: eth.accountXpubFromSeed(eth.mnemonicToSeed(DEV_COLD_MNEMONIC), 0), confirmations: DEV_CONFIRMATIONS, feeCapWei: 10n ** 16n },
    screener,
    screenDestination,
  });
  const faucet = new eth.HotWallet({ client, store: new eth.MemoryIntentStore(), account: eth.accountFromSeed(eth.mnemonicToSeed(eth.HARDHAT_TEST_MNEMONIC), 1) });
  let faucetSeq = 0;

  // The demo's BTC blocks arrive every 10 s, as a regtest miner would.
  const miner = setInterval(() => void mineBtc(1).catch(() => undefined), 10_000);
  let busy = false;
  const loop = setInterval(() => {
    if (busy) return;
    busy = true;
    custody
      .tick()
      .catch((e: unknown) => log(`custody tick: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        busy = false;
      });
  }, 3_000);
  const rebalance = setInterval(() => void custody.rebalance().catch(() => undefined), 120_000);

  /** Sends coins from the devnet faucet to the customer's deposit address and confirms them: the real deposit path. */
  const chainDeposit = async (userId: number, asset: 'BTC' | 'ETH', amountMinor: bigint): Promise<bigint> => {
    const before = rt.engine.core.userBalances(userId)[asset]!.available;
    if (asset === 'BTC') {
      const address = custody.btcDeposits!.addressFor(userId);
      // Bitcoin Core takes amounts as JSON numbers or numeric strings; a string keeps them exact.
      await rpc.call('sendtoaddress', [address, formatDecimal(amountMinor, 8)]);
      await mineBtc(DEV_CONFIRMATIONS);
    } else {
      const address = custody.ethDeposits!.addressFor(userId);
      await faucet.withdraw(`demo-faucet-${Date.now()}-${faucetSeq++}`, address, amountMinor);
      await eth.mine(node.rpcUrl, DEV_CONFIRMATIONS + 1);
    }
    for (let i = 0; i < 20; i++) {
      while (busy) await new Promise((r) => setTimeout(r, 50));
      busy = true;
      try {
        await custody.tick();
      } finally {
        busy = false;
      }
      const now = rt.engine.core.userBalances(userId)[asset]!.available;
      if (now > before) return now - before;
      if (asset === 'BTC') await mineBtc(1);
      else await eth.mine(node.rpcUrl, 1);
    }
    return 0n;
  };

  const previous = adminExtensions.get('sandbox.deposit');
  adminExtensions.set('sandbox.deposit', async (r, req) => {
    if (req.op !== 'sandbox.deposit') throw new ValidationError('ADMIN_REQUEST_INVALID', 'bad op');
    if (req.asset === 'AED') {
      if (previous === undefined) throw new ValidationError('SANDBOX_UNAVAILABLE', 'no sandbox bank');
      return previous(r, req);
    }
    const user = r.accounts.repo.userByEmail(req.email.toLowerCase());
    if (user === undefined) throw new ValidationError('UNKNOWN_USER', 'no user with that email');
    const amount = parseDecimal(req.amount, req.asset === 'BTC' ? 8 : 18);
    const credited = await chainDeposit(user.id, req.asset, amount);
    return { ok: credited === amount, userId: user.id, asset: req.asset, amountMinor: amount.toString(), creditedMinor: credited.toString(), confirmations: DEV_CONFIRMATIONS };
  });
  log(`dev chains: bitcoin regtest devnet ${devnet.url}, hardhat ${node.rpcUrl}, signer process started`);
  return {
    custody,
    alerts,
    async stop() {
      clearInterval(miner);
      clearInterval(loop);
      clearInterval(rebalance);
      await signer.stop().catch(() => undefined);
      await node.stop().catch(() => undefined);
      await devnet.close().catch(() => undefined);
      screening.close?.();
    },
  };
}

/** For the seed: fund a demo customer's crypto through the chain path. */
export function chainFunder(rt: Runtime): (userId: number, asset: 'BTC' | 'ETH', amountMinor: bigint) => Promise<void> {
  return async (userId, asset, amountMinor) => {
    const user = rt.accounts.repo.userById(userId);
    if (user === undefined) return;
    const ext = adminExtensions.get('sandbox.deposit');
    if (ext === undefined) return;
    await ext(rt, { op: 'sandbox.deposit', email: user.email, asset, amount: formatDecimal(amountMinor, asset === 'BTC' ? 8 : 18) });
  };
}
