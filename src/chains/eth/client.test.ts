import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { toChecksumAddress } from './address.ts';
import { computeFees, DEFAULT_FEE_POLICY, EthClient } from './client.ts';
import { ChainError } from './errors.ts';
import { type HardhatNode, mine, setBalance, startHardhatNode } from './node.ts';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ChainError, `expected ChainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a rejection');
}

/** A hostile JSON-RPC server: `reply` decides the body for each call (or stalls). */
async function fakeNode(reply: (method: string, count: number) => string | null, status = 200): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let count = 0;
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    count++;
    req.on('end', () => {
      const method = (JSON.parse(body) as { method: string }).method;
      const out = reply(method, count);
      if (out === null) return; // stall: never answer
      res.writeHead(status, { 'content-type': out.startsWith('<') && status !== 200 ? 'text/html' : 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  assert.ok(typeof addr === 'object' && addr !== null);
  return {
    url: `http://127.0.0.1:${addr.port}`,
    calls: () => count,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
const ok = (result: unknown): string => JSON.stringify({ jsonrpc: '2.0', id: 1, result });

describe('fee policy (pure)', () => {
  it('maxFee = 2·base + tip within caps, tip clamped (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 200_000_000_000n }), fc.option(fc.bigInt({ min: 0n, max: 10n ** 12n })), (base, tip) => {
        const f = computeFees(base, tip, DEFAULT_FEE_POLICY);
        assert.ok(f.maxPriorityFeePerGasWei >= DEFAULT_FEE_POLICY.priorityFeeMinWei);
        assert.ok(f.maxPriorityFeePerGasWei <= DEFAULT_FEE_POLICY.priorityFeeMaxWei);
        assert.ok(f.maxFeePerGasWei <= DEFAULT_FEE_POLICY.maxFeePerGasCapWei);
        assert.ok(f.maxFeePerGasWei >= base + f.maxPriorityFeePerGasWei);
      }),
      { numRuns: 200 },
    );
  });
  it('refuses when the base fee alone breaks the cap', () => {
    assert.throws(() => computeFees(600_000_000_000n, 1n, DEFAULT_FEE_POLICY), (e: unknown) => e instanceof ChainError && e.code === 'FEE_CAP_EXCEEDED');
  });
});

describe('EthClient against hostile nodes', () => {
  it('a stalling node → RPC_TIMEOUT after bounded retries', async () => {
    const f = await fakeNode(() => null);
    try {
      const c = new EthClient({ rpcUrl: f.url, chainId: 31337, timeoutMs: 250, retriesMax: 2, retryDelayMs: 10 });
      assert.equal(await codeOf(c.blockNumber()), 'RPC_TIMEOUT');
      // The server may see the last aborted request a moment later: wait, then count.
      for (let i = 0; i < 40 && f.calls() < 3; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      // Under heavy load an aborted attempt may never reach the server, so: at most 3, never more.
      assert.ok(f.calls() >= 1 && f.calls() <= 3, `1 attempt + retriesMax 2, no more (saw ${f.calls()})`);
    } finally {
      await f.close();
    }
  });

  it('a node answering 503 / 502 is retried exactly retriesMax times → RPC_UNAVAILABLE', async () => {
    for (const [status, body] of [
      [503, JSON.stringify({ message: 'overloaded' })],
      [502, '<html>502 Bad Gateway</html>'],
    ] as const) {
      const f = await fakeNode(() => body, status);
      try {
        const c = new EthClient({ rpcUrl: f.url, chainId: 31337, retriesMax: 2, retryDelayMs: 5 });
        assert.equal(await codeOf(c.blockNumber()), 'RPC_UNAVAILABLE');
        assert.equal(f.calls(), 3);
      } finally {
        await f.close();
      }
    }
  });

  it('garbage bodies and malformed results → RPC_BAD_RESPONSE', async () => {
    const f = await fakeNode((method) => {
      if (method === 'eth_blockNumber') return '<html>502 Bad Gateway</html>';
      if (method === 'eth_getBalance') return ok('0xzz');
      if (method === 'eth_getTransactionCount') return ok(`0x${'f'.repeat(65)}`);
      if (method === 'eth_getBlockByNumber') return ok({ number: '0x1', hash: '0x12', parentHash: '0x34', timestamp: '0x1', transactions: [] });
      if (method === 'eth_getTransactionReceipt') return ok({ transactionHash: `0x${'ab'.repeat(32)}`, status: '0x2' });
      return ok('0x7a69');
    });
    try {
      const c = new EthClient({ rpcUrl: f.url, chainId: 31337, timeoutMs: 500, retriesMax: 0 });
      const who = toChecksumAddress(`0x${'11'.repeat(20)}`);
      assert.equal(await codeOf(c.blockNumber()), 'RPC_BAD_RESPONSE');
      assert.equal(await codeOf(c.getBalance(who)), 'RPC_BAD_RESPONSE');
      assert.equal(await codeOf(c.getNonce(who)), 'RPC_BAD_RESPONSE');
      assert.equal(await codeOf(c.getBlock(1n)), 'RPC_BAD_RESPONSE');
      assert.equal(await codeOf(c.getReceipt(`0x${'ab'.repeat(32)}`)), 'RPC_BAD_RESPONSE');
    } finally {
      await f.close();
    }
  });

  it('an oversized answer → RPC_BAD_RESPONSE', async () => {
    const f = await fakeNode(() => ok(`0x${'0'.repeat(2_000_000)}`));
    try {
      const c = new EthClient({ rpcUrl: f.url, chainId: 31337, retriesMax: 0, responseBytesMax: 1_000_000 });
      assert.equal(await codeOf(c.blockNumber()), 'RPC_BAD_RESPONSE');
    } finally {
      await f.close();
    }
  });

  it('a node of another chain → CHAIN_ID_MISMATCH; a dead one → RPC_UNAVAILABLE', async () => {
    const f = await fakeNode(() => ok('0x1'));
    try {
      assert.equal(await codeOf(EthClient.connect({ rpcUrl: f.url, chainId: 31337 })), 'CHAIN_ID_MISMATCH');
    } finally {
      await f.close();
    }
    const dead = new EthClient({ rpcUrl: f.url, chainId: 31337, timeoutMs: 300, retriesMax: 1, retryDelayMs: 10 });
    assert.equal(await codeOf(dead.blockNumber()), 'RPC_UNAVAILABLE');
  });

  it('a JSON-RPC error object → RPC_ERROR', async () => {
    const f = await fakeNode(() => JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'boom' } }));
    try {
      const c = new EthClient({ rpcUrl: f.url, chainId: 31337, retriesMax: 0 });
      assert.equal(await codeOf(c.blockNumber()), 'RPC_ERROR');
    } finally {
      await f.close();
    }
  });
});

describe('EthClient against hardhat', () => {
  let node: HardhatNode;
  let client: EthClient;
  before(async () => {
    node = await startHardhatNode({ accountCount: 2 });
    client = await EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 31337 });
  });
  after(async () => {
    await node.stop();
  });

  it('reads blocks, balances at a height, nonces and fee data', async () => {
    const who = toChecksumAddress(`0x${'22'.repeat(20)}`);
    const h0 = await client.blockNumber();
    await setBalance(node.rpcUrl, who, 5n);
    await mine(node.rpcUrl);
    const h1 = await client.blockNumber();
    assert.equal(h1, h0 + 1n);
    await mine(node.rpcUrl);
    // hardhat_setBalance edits the latest state in place, so move past h1 first.
    await setBalance(node.rpcUrl, who, 7n);
    await mine(node.rpcUrl);
    assert.equal(await client.getBalance(who, h1), 5n);
    assert.equal(await client.getBalance(who, 'latest'), 7n);
    const b = await client.getBlock(h1);
    assert.ok(b !== null);
    assert.equal(b.number, h1);
    assert.match(b.hash, /^0x[0-9a-f]{64}$/);
    assert.equal(await client.getBlock(h1 + 1000n), null);
    assert.equal(await client.getNonce(who), 0n);
    const fees = await client.feeData();
    assert.ok(fees.baseFeeWei > 0n);
    assert.ok(fees.maxFeePerGasWei >= fees.baseFeeWei + fees.maxPriorityFeePerGasWei);
    assert.equal(await client.getReceipt(`0x${'00'.repeat(32)}`), null);
    assert.equal(await client.getCode(who), '0x');
  });

  it('garbage raw transaction → TX_REJECTED', async () => {
    assert.equal(await codeOf(client.sendRawTransaction('0x02c0', `0x${'00'.repeat(32)}`)), 'TX_REJECTED');
  });
});
