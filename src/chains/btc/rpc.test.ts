import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { BtcChainError } from './errors.ts';
import { JsonNumber, parseJsonLossless } from './json.ts';
import { btcTextToSat, createBtcRpcClient } from './rpc.ts';

/** A fake node: `answer` decides status and body for each request. */
type Answer = { status?: number; body?: string; stall?: boolean };
let answer: (req: { method: string; id: unknown }) => Answer = () => ({ status: 200, body: '{}' });
let requests = 0;
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const parsed = JSON.parse(text) as { method: string; id: unknown };
      const a = answer(parsed);
      if (a.stall) return; // never answers
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const ok = (result: string) => (req: { id: unknown }) => ({ body: `{"result":${result},"error":null,"id":${JSON.stringify(req.id)}}` });
const H = 'ab'.repeat(32);
const tx = (value: string): string =>
  `{"txid":"${H}","hash":"${H}","version":2,"size":100,"vsize":100,"weight":400,"locktime":0,` +
  `"vin":[{"txid":"${H}","vout":0,"scriptSig":{"asm":"","hex":""},"sequence":4294967293}],` +
  `"vout":[{"value":${value},"n":0,"scriptPubKey":{"asm":"","hex":"0014${'00'.repeat(20)}","type":"witness_v0_keyhash"}}],"hex":"00"}`;

async function errCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BtcChainError, String(e));
    return e.code;
  }
  assert.fail('expected an error');
}

test('stalling node: timeout error after bounded retries', async () => {
  // Timing is measured in benchmarks, never asserted in tests: the timeout is generous enough
  // that a loaded CI machine still connects within it, and the test checks only the bound on attempts.
  const rpc = createBtcRpcClient({ url, timeoutMs: 1000, retriesMax: 2, retryDelayMs: 10 });
  // Warm up: a process's first fetch loads undici, which can itself take longer than 150 ms.
  answer = ok(`"${H}"`);
  await createBtcRpcClient({ url, timeoutMs: 10_000 }).getBlockHash(1);
  answer = () => ({ stall: true });
  requests = 0;
  await assert.rejects(rpc.getBlockchainInfo(), (e: unknown) => e instanceof BtcChainError && e.code === 'RPC_TIMEOUT' && e.details.attempts === 3);
  await new Promise((r) => setTimeout(r, 50));
  // Never more than the bounded attempts (an attempt may time out before even connecting).
  assert.ok(requests >= 1 && requests <= 3, `requests ${requests}`);
});

test('unreachable node: transport error, retried a bounded number of times', async () => {
  const rpc = createBtcRpcClient({ url: 'http://127.0.0.1:1/', timeoutMs: 500, retriesMax: 1, retryDelayMs: 1 });
  assert.equal(await errCode(rpc.getRawMempool()), 'RPC_TRANSPORT');
});

test('exact satoshi from BTC literals, including values a float would round', async () => {
  answer = ok(tx('20999999.99999999'));
  const rpc = createBtcRpcClient({ url });
  const t = await rpc.getRawTransaction(H);
  assert.equal(t.vout[0]!.valueSat, 2_099_999_999_999_999n);
  answer = ok(tx('0.00000001'));
  assert.equal((await rpc.getRawTransaction(H)).vout[0]!.valueSat, 1n);
  answer = ok(tx('0.1'));
  assert.equal((await rpc.getRawTransaction(H)).vout[0]!.valueSat, 10_000_000n);
});

test('lying node: > 8 decimals, exponents, negatives, over 21M, strings for numbers → RPC_BAD_RESPONSE', async () => {
  const rpc = createBtcRpcClient({ url });
  for (const v of ['0.123456789', '1e-8', '-1.0', '21000000.00000001', '"1.0"', '00.1', '1.', 'NaN', 'true', '1E2']) {
    answer = ok(tx(v));
    assert.equal(await errCode(rpc.getRawTransaction(H)), 'RPC_BAD_RESPONSE', v);
  }
});

test('lying node: wrong shapes, wrong ids, wrong block, garbage → typed errors', async () => {
  const rpc = createBtcRpcClient({ url, retriesMax: 0 });
  const cases: Array<[(req: { id: unknown }) => Answer, () => Promise<unknown>, string]> = [
    [ok('{"chain":"regtest","blocks":"abc"}'), () => rpc.getBlockchainInfo(), 'RPC_BAD_RESPONSE'],
    [ok('"not-a-hash"'), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [ok('[1,2]'), () => rpc.getRawMempool(), 'RPC_BAD_RESPONSE'],
    [ok('"zz"'), () => rpc.sendRawTransaction('00'), 'RPC_BAD_RESPONSE'],
    [() => ({ body: `{"result":"${H}","error":null,"id":999}` }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [() => ({ body: '{"result":' }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [() => ({ body: '<html>hi</html>' }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [() => ({ body: `${'['.repeat(5000)}${']'.repeat(5000)}` }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [(r) => ({ body: `{"result":"${H}","result":"${H}","error":null,"id":${r.id}}` }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [ok(`[${tx('1.0')}]`), () => rpc.getRawTransaction(H), 'RPC_BAD_RESPONSE'],
    [ok(tx('1.0').replace(H, 'cd'.repeat(32))), () => rpc.getRawTransaction(H), 'RPC_BAD_RESPONSE'],
    [() => ({ status: 401 }), () => rpc.getBlockHash(1), 'RPC_UNAUTHORIZED'],
    [() => ({ status: 403, body: 'no' }), () => rpc.getBlockHash(1), 'RPC_HTTP_STATUS'],
    [() => ({ status: 503, body: '' }), () => rpc.getBlockHash(1), 'RPC_HTTP_STATUS'],
    [(r) => ({ status: 500, body: `{"result":null,"error":{"code":"x"},"id":${r.id}}` }), () => rpc.getBlockHash(1), 'RPC_BAD_RESPONSE'],
    [ok(`{"feerate":0.000010001,"blocks":2}`), () => rpc.estimateSmartFee(2), 'RPC_BAD_RESPONSE'],
    [ok(`[{"txid":"${H}","allowed":true}]`), () => rpc.testMempoolAccept(['00', '00']), 'RPC_BAD_RESPONSE'],
  ];
  for (const [i, [a, call, expected]] of cases.entries()) {
    answer = a;
    let got = 'no error';
    try {
      await call();
    } catch (e) {
      got = e instanceof BtcChainError ? e.code : String(e);
    }
    assert.equal(got, expected, `case ${i}`);
  }
});

test('node refusals carry bitcoind code and message; oversize bodies are refused', async () => {
  answer = (r) => ({ status: 500, body: `{"result":null,"error":{"code":-26,"message":"txn-mempool-conflict"},"id":${r.id}}` });
  const rpc = createBtcRpcClient({ url });
  await assert.rejects(rpc.sendRawTransaction('00'), (e: unknown) => e instanceof BtcChainError && e.code === 'RPC_ERROR' && e.details.rpcCode === -26);
  answer = ok(`"${'a'.repeat(5000)}"`);
  const small = createBtcRpcClient({ url, responseBytesMax: 1000 });
  assert.equal(await errCode(small.getBlockHash(1)), 'RPC_RESPONSE_TOO_LARGE');
  assert.equal(await errCode(rpc.getBlock('xyz')), 'RPC_BAD_REQUEST');
  assert.equal(await errCode(rpc.getBlockHash(-1)), 'RPC_BAD_REQUEST');
  assert.throws(() => createBtcRpcClient({ url, retriesMax: 1000 }), (e: unknown) => e instanceof BtcChainError && e.code === 'RPC_CONFIG');
});

test('property: btcTextToSat agrees with integer arithmetic on every 8-decimal literal', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), (sat) => {
      const text = `${sat / 100_000_000n}.${(sat % 100_000_000n).toString().padStart(8, '0')}`;
      assert.equal(btcTextToSat(text), sat);
      const parsed = parseJsonLossless(`{"v":${text}}`) as { v: JsonNumber };
      assert.equal(parsed.v.text, text);
    }),
    { numRuns: 300 },
  );
});

test('lossless JSON parser: accepts JSON, refuses everything else', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      const ours = parseJsonLossless(text);
      const normal = JSON.parse(text);
      const strip = (v: unknown): unknown =>
        v instanceof JsonNumber ? Number(v.text) : Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)])) : v;
      // fast-check's json() can emit duplicate keys only through JSON.stringify: never.
      assert.deepEqual(strip(ours), normal);
    }),
    { numRuns: 200 },
  );
  for (const bad of ['', '{', '[1,]', '{"a":1,}', '01', '1.', '.5', "'x'", '"\u0001"', 'nul', '{"a" 1}', '1 2', '"\\x"']) {
    assert.throws(() => parseJsonLossless(bad), (e: unknown) => e instanceof BtcChainError && e.code === 'RPC_BAD_RESPONSE', JSON.stringify(bad));
  }
});
