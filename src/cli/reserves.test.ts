import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { verifyInclusionProof } from '../reserves/index.ts';
import { runAdmin } from './admin.ts';
import { publishReserves } from './reserves.ts';
import { openRuntime } from './runtime.ts';

test('proof of reserves over the API: public publication, each customer gets and verifies only their own proof', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-por-'));
  const rt = await openRuntime(loadConfig({ dataDir: dir, port: 0 }, {}));
  try {
    const a = Number((await runAdmin(rt, { op: 'user.create', email: 'a@example.ae', password: 'correct horse battery staple' })).userId);
    const b = Number((await runAdmin(rt, { op: 'user.create', email: 'b@example.ae', password: 'correct horse battery staple' })).userId);
    await rt.engine.submit({ type: 'deposit', userId: a, asset: 'BTC', amount: 12_345_678n, source: 'chain', ref: 'tx-a' });
    await rt.engine.submit({ type: 'deposit', userId: b, asset: 'AED', amount: 99_900n, source: 'bank', ref: 'bank-b' });
    const before = (await rt.app.inject({ url: '/api/v1/reserves' })).json();
    assert.equal(before.rootHash, null);
    const pub = await publishReserves(rt, rt.reserves);
    assert.ok(pub !== undefined);
    assert.deepEqual(await publishReserves(rt, rt.reserves), pub); // nothing changed: no new snapshot
    assert.equal(rt.reserves.history().length, 1);

    const res = (await rt.app.inject({ url: '/api/v1/reserves' })).json();
    assert.equal(res.rootHash, pub.rootHash);
    assert.deepEqual(Object.fromEntries(res.assets.map((x: { asset: string; liabilities: string }) => [x.asset, x.liabilities])), { AED: '99900', BTC: '12345678', ETH: '0' });

    // Log in as A (session cookie) and fetch A's proof.
    const login = await rt.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'a@example.ae', password: 'correct horse battery staple' } });
    assert.equal(login.statusCode, 200, login.body);
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const mine = await rt.app.inject({ url: '/api/v1/reserves/proof', headers: { cookie } });
    assert.equal(mine.statusCode, 200, mine.body);
    const { proof, expected } = mine.json();
    assert.equal(expected.customerId, String(a));
    const v = verifyInclusionProof(proof, pub.rootHash, { customerId: String(a), balances: { BTC: 12_345_678n, AED: 0n, ETH: 0n } });
    assert.equal(v.ok, true, JSON.stringify(v));
    // The proof is A's alone; a wrong expectation fails; anonymous callers get nothing.
    assert.equal(verifyInclusionProof(proof, pub.rootHash, { customerId: String(b) }).ok, false);
    assert.equal((await rt.app.inject({ url: '/api/v1/reserves/proof' })).statusCode, 401);
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
