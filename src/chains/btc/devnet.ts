import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { scriptToAddress, scriptType } from './address.ts';
import {
  type DecodedTx,
  decodeTx,
  type DevBlock,
  DevChain,
  type DevChainOptions,
  devnetFaucetKey,
  GENERATE_BLOCKS_MAX,
  RpcFailure,
  regtestScript,
} from './devchain.ts';
import { RPC_CODE } from './errors.ts';
import { BtcAmountJson, JsonNumber, type JsonValue, parseJsonLossless, toJsonText } from './json.ts';
import { btcTextToSat } from './rpc.ts';

/**
 * An in-process Bitcoin regtest node for tests and demos: an HTTP server on 127.0.0.1 speaking
 * bitcoind's JSON-RPC (same response shapes, same error codes and HTTP statuses) for the subset
 * Rampart uses, over a DevChain. Devnet control: generatetoaddress, invalidateblock (reorgs),
 * sendtoaddress (the node's own funded wallet, used as a faucet), getblockcount, getbestblockhash.
 */

export interface DevnetOptions extends DevChainOptions {
  rpcUser?: string;
  rpcPassword?: string;
  /** estimatesmartfee answer, sat per 1000 vbytes; undefined → "Insufficient data" like a fresh regtest. */
  feeRateSatPerKvB?: bigint;
  /** Blocks mined to the faucet at start; 101+ makes the first coinbase spendable. */
  premineBlocks?: number;
  /** Largest request body accepted. */
  requestBytesMax?: number;
}

export interface Devnet {
  url: string;
  port: number;
  chain: DevChain;
  /** Calls a method in-process (same dispatcher as HTTP). */
  rpc(method: string, params?: JsonValue[]): unknown;
  close(): Promise<void>;
}

const FAUCET_FEE_RATE_SAT_PER_VB = 2n;

function txJson(chain: DevChain, t: DecodedTx, block: DevBlock | undefined, withFee: boolean, withBlockInfo: boolean): Record<string, unknown> {
  const vin = t.tx.inputs.map((input, i) => {
    const witness = (t.tx.witnesses?.[i] ?? []).map((w) => hex.encode(w));
    const isCoinbase = input.index === 0xffffffff && input.txid.every((b: number) => b === 0);
    if (isCoinbase) return { coinbase: hex.encode(input.finalScriptSig), ...(witness.length ? { txinwitness: witness } : {}), sequence: input.sequence };
    return {
      txid: hex.encode(input.txid),
      vout: input.index,
      scriptSig: { asm: '', hex: hex.encode(input.finalScriptSig) },
      ...(witness.length ? { txinwitness: witness } : {}),
      sequence: input.sequence,
    };
  });
  const vout = t.tx.outputs.map((o, n) => {
    const address = scriptToAddress(o.script, 'regtest');
    return {
      value: new BtcAmountJson(o.amount),
      n,
      scriptPubKey: { asm: '', hex: hex.encode(o.script), ...(address ? { address } : {}), type: scriptType(o.script) },
    };
  });
  const out: Record<string, unknown> = {
    txid: t.txid,
    hash: t.wtxid,
    version: t.tx.version,
    size: t.size,
    vsize: t.vsize,
    weight: t.weight,
    locktime: t.tx.lockTime,
    vin,
    vout,
  };
  if (withFee && t.feeSat !== undefined) out.fee = new BtcAmountJson(t.feeSat);
  out.hex = hex.encode(t.raw);
  if (withBlockInfo && block) {
    out.blockhash = block.hash;
    out.confirmations = chain.confirmations(block.hash);
    out.time = block.time;
    out.blocktime = block.time;
  }
  return out;
}

function blockJson(chain: DevChain, b: DevBlock, verbosity: number): Record<string, unknown> | string {
  if (verbosity === 0) return hex.encode(Uint8Array.of(...b.header));
  const onChain = chain.active[b.height] === b.hash;
  const next = onChain ? chain.active[b.height + 1] : undefined;
  const size = 80 + b.txs.reduce((a, t) => a + t.size, 1);
  return {
    hash: b.hash,
    confirmations: chain.confirmations(b.hash),
    height: b.height,
    version: 0x20000000,
    versionHex: '20000000',
    merkleroot: b.merkleRoot,
    time: b.time,
    mediantime: onChain ? chain.medianTime(b.height) : b.time,
    nonce: 0,
    bits: '207fffff',
    difficulty: 4.656542373906925e-10,
    chainwork: (b.height * 2 + 2).toString(16).padStart(64, '0'),
    nTx: b.txs.length,
    ...(b.prevHash ? { previousblockhash: b.prevHash } : {}),
    ...(next ? { nextblockhash: next } : {}),
    strippedsize: size,
    size,
    weight: b.txs.reduce((a, t) => a + t.weight, 324),
    tx: verbosity === 1 ? b.txs.map((t) => t.txid) : b.txs.map((t) => txJson(chain, t, b, true, false)),
  };
}

function param<T>(params: JsonValue[], i: number, kind: 'int' | 'string' | 'bool' | 'any', fallback?: T): T {
  const v = params[i];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new RpcFailure(RPC_CODE.MISC_ERROR, 'missing required parameter');
  }
  if (kind === 'int') {
    if (!(v instanceof JsonNumber) || !/^-?[0-9]+$/.test(v.text)) throw new RpcFailure(RPC_CODE.TYPE_ERROR, 'JSON value is not an integer as expected');
    return Number(v.text) as T;
  }
  if (kind === 'string' && typeof v !== 'string') throw new RpcFailure(RPC_CODE.TYPE_ERROR, 'JSON value is not a string as expected');
  if (kind === 'bool' && typeof v !== 'boolean') {
    // bitcoind accepts a number for getrawtransaction's verbosity.
    if (v instanceof JsonNumber) return (v.text !== '0') as T;
    throw new RpcFailure(RPC_CODE.TYPE_ERROR, 'JSON value is not a boolean as expected');
  }
  return v as T;
}

function amountParam(v: JsonValue | undefined, what: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  const text = v instanceof JsonNumber ? v.text : typeof v === 'string' ? v : '';
  const sat = btcTextToSat(text);
  if (sat === null) throw new RpcFailure(RPC_CODE.TYPE_ERROR, `Invalid amount for ${what}`);
  return sat;
}

function hashParam(params: JsonValue[], i: number, name: string): string {
  const v = param<string>(params, i, 'string');
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, `${name} must be of length 64 (not ${v.length}, for '${v.slice(0, 80)}')`);
  return v.toLowerCase();
}

function hexTxParam(params: JsonValue[], i: number): Uint8Array {
  const v = param<string>(params, i, 'string');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(v)) throw new RpcFailure(RPC_CODE.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  return hex.decode(v.toLowerCase());
}

/** The node's own wallet: builds and signs a real P2WPKH payment from the faucet key's coins. */
function faucetSend(chain: DevChain, script: Uint8Array, amountSat: bigint): string {
  const key = devnetFaucetKey();
  const coins = chain.coinsFor(key.script).sort((a, b) => (a.coin.valueSat < b.coin.valueSat ? 1 : -1));
  const tx = new Transaction();
  let inSat = 0n;
  for (const c of coins) {
    if (tx.inputsLength >= 100) break;
    tx.addInput({ txid: c.txid, index: c.vout, witnessUtxo: { script: c.coin.script, amount: c.coin.valueSat }, sequence: 0xfffffffd });
    inSat += c.coin.valueSat;
    const feeSat = BigInt(11 + 68 * tx.inputsLength + 31 * 2) * FAUCET_FEE_RATE_SAT_PER_VB;
    if (inSat >= amountSat + feeSat + 1000n) break;
  }
  const feeSat = BigInt(11 + 68 * tx.inputsLength + 31 * 2) * FAUCET_FEE_RATE_SAT_PER_VB;
  if (inSat < amountSat + feeSat) throw new RpcFailure(-6, 'Insufficient funds');
  tx.addOutput({ script, amount: amountSat });
  const change = inSat - amountSat - feeSat;
  if (change >= 1000n) tx.addOutput({ script: key.script, amount: change });
  tx.sign(key.privateKey);
  tx.finalize();
  return chain.acceptToMempool(tx.extract()).txid;
}

/** Dispatches one JSON-RPC call; throws RpcFailure with bitcoind's code. */
export function dispatch(chain: DevChain, options: DevnetOptions, method: string, params: JsonValue[]): unknown {
  switch (method) {
    case 'getblockchaininfo': {
      const tip = chain.tip;
      return {
        chain: 'regtest',
        blocks: chain.height,
        headers: chain.height,
        bestblockhash: tip.hash,
        bits: '207fffff',
        target: '7fffff0000000000000000000000000000000000000000000000000000000000',
        difficulty: 4.656542373906925e-10,
        time: tip.time,
        mediantime: chain.medianTime(chain.height),
        verificationprogress: 1,
        initialblockdownload: false,
        chainwork: (chain.height * 2 + 2).toString(16).padStart(64, '0'),
        size_on_disk: 0,
        pruned: false,
        warnings: [],
      };
    }
    case 'getblockcount':
      return chain.height;
    case 'getbestblockhash':
      return chain.tip.hash;
    case 'getblockhash': {
      const h = param<number>(params, 0, 'int');
      if (h < 0 || h > chain.height) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, 'Block height out of range');
      return chain.active[h];
    }
    case 'getblock': {
      const hash = hashParam(params, 0, 'blockhash');
      const verbosity = param<number>(params, 1, 'int', 1);
      const b = chain.blocks.get(hash);
      if (!b) throw new RpcFailure(RPC_CODE.INVALID_ADDRESS_OR_KEY, 'Block not found');
      return blockJson(chain, b, Math.max(0, Math.min(2, verbosity)));
    }
    case 'getrawmempool':
      return [...chain.mempool.keys()];
    case 'getrawtransaction': {
      const txid = hashParam(params, 0, 'parameter 1');
      const verbose = param<boolean>(params, 1, 'bool', false);
      const found = chain.findTx(txid);
      if (!found) throw new RpcFailure(RPC_CODE.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
      return verbose ? txJson(chain, found.tx, found.block, false, true) : hex.encode(found.tx.raw);
    }
    case 'sendrawtransaction': {
      const raw = hexTxParam(params, 0);
      const maxFeeRateSatPerKvB = amountParam(params[1], 'maxfeerate');
      return chain.acceptToMempool(raw, maxFeeRateSatPerKvB === undefined ? {} : { maxFeeRateSatPerKvB }).txid;
    }
    case 'testmempoolaccept': {
      const list = params[0];
      if (!Array.isArray(list)) throw new RpcFailure(RPC_CODE.TYPE_ERROR, 'Expected type array');
      if (list.length === 0 || list.length > 25) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, 'Array must contain between 1 and 25 transactions.');
      const maxFeeRateSatPerKvB = amountParam(params[1], 'maxfeerate');
      return list.map((_, i) => {
        const raw = hexTxParam(list, i);
        try {
          const r = chain.acceptToMempool(raw, { dryRun: true, ...(maxFeeRateSatPerKvB === undefined ? {} : { maxFeeRateSatPerKvB }) });
          return { txid: r.txid, wtxid: r.wtxid, allowed: true, vsize: r.vsize, fees: { base: new BtcAmountJson(r.feeSat) } };
        } catch (e) {
          if (!(e instanceof RpcFailure) || e.rpcCode === RPC_CODE.DESERIALIZATION_ERROR) throw e;
          const d = decodeTx(raw); // cannot fail: acceptToMempool decoded it before refusing
          const reason = e.reason === 'bad-txns-inputs-missingorspent' ? 'missing-inputs' : e.reason;
          return { txid: d.txid, wtxid: d.wtxid, allowed: false, 'reject-reason': reason };
        }
      });
    }
    case 'estimatesmartfee': {
      const target = param<number>(params, 0, 'int');
      if (target < 1 || target > 1008) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, 'Invalid conf_target, must be between 1 and 1008');
      if (options.feeRateSatPerKvB === undefined) return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
      return { feerate: new BtcAmountJson(options.feeRateSatPerKvB), blocks: Math.max(2, target) };
    }
    case 'generatetoaddress': {
      const n = param<number>(params, 0, 'int');
      const script = regtestScript(param<string>(params, 1, 'string'));
      if (n < 0 || n > GENERATE_BLOCKS_MAX) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, `nblocks must be 0..${GENERATE_BLOCKS_MAX} on the devnet`);
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) hashes.push(chain.mineBlock(script).hash);
      return hashes;
    }
    case 'setmocktime': {
      const t = param<number>(params, 0, 'int');
      if (t < 0 || t > 0xffffffff) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, 'Mocktime must be in the range [0, 4294967295]');
      chain.mockTime = t === 0 ? undefined : t;
      return null;
    }
    case 'invalidateblock': {
      chain.invalidateBlock(hashParam(params, 0, 'blockhash'));
      return null;
    }
    case 'sendtoaddress': {
      const script = regtestScript(param<string>(params, 0, 'string'));
      const amountSat = amountParam(params[1], 'amount');
      if (amountSat === undefined || amountSat <= 0n) throw new RpcFailure(RPC_CODE.TYPE_ERROR, 'Amount out of range');
      return faucetSend(chain, script, amountSat);
    }
    default:
      throw new RpcFailure(RPC_CODE.METHOD_NOT_FOUND, 'Method not found');
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts the devnet on 127.0.0.1 (port 0 → an ephemeral port, reported in `port` and `url`). */
export async function startDevnet(options: DevnetOptions = {}, port = 0): Promise<Devnet> {
  const chain = new DevChain(options);
  const faucet = devnetFaucetKey();
  const premine = options.premineBlocks ?? 101;
  for (let i = 0; i < premine; i++) chain.mineBlock(faucet.script);
  const bytesMax = options.requestBytesMax ?? 4 * 1024 * 1024;
  const expectedAuth =
    options.rpcUser !== undefined ? `Basic ${Buffer.from(`${options.rpcUser}:${options.rpcPassword ?? ''}`).toString('base64')}` : undefined;

  function handleOne(req: JsonValue): { status: number; body: Record<string, unknown> } {
    const obj = req && typeof req === 'object' && !Array.isArray(req) && !(req instanceof JsonNumber) ? req : undefined;
    const id = obj?.id ?? null;
    const method = obj?.method;
    const params = obj?.params ?? [];
    if (typeof method !== 'string' || !Array.isArray(params)) {
      return { status: 400, body: { result: null, error: { code: RPC_CODE.INVALID_REQUEST, message: 'Invalid Request object' }, id } };
    }
    try {
      return { status: 200, body: { result: dispatch(chain, options, method, params) ?? null, error: null, id } };
    } catch (e) {
      if (!(e instanceof RpcFailure)) {
        return { status: 500, body: { result: null, error: { code: RPC_CODE.MISC_ERROR, message: 'internal devnet error' }, id } };
      }
      // bitcoind (JSON-RPC 1.0 replies): HTTP 404 for an unknown method, 500 for other errors.
      return { status: e.rpcCode === RPC_CODE.METHOD_NOT_FOUND ? 404 : 500, body: { result: null, error: { code: e.rpcCode, message: e.reason }, id } };
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      send(res, 405, '');
      return;
    }
    if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > bytesMax) {
        send(res, 413, '');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > bytesMax) return;
      let parsed: JsonValue;
      try {
        parsed = parseJsonLossless(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(res, 500, toJsonText({ result: null, error: { code: RPC_CODE.PARSE_ERROR, message: 'Parse error' }, id: null }));
        return;
      }
      if (Array.isArray(parsed)) {
        // Batches: always HTTP 200, one reply per request (bitcoind).
        send(res, 200, toJsonText(parsed.slice(0, 1000).map((r) => handleOne(r).body)));
        return;
      }
      const { status, body } = handleOne(parsed);
      send(res, status, toJsonText(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/`,
    port: actualPort,
    chain,
    rpc: (method, params = []) => dispatch(chain, options, method, params),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

