import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { runAdmin } from './admin.ts';
import { accountsDirectory, startBankRails } from './bank.ts';
import { openRuntime } from './runtime.ts';

test('runtime bank rails: directory from accounts, sandbox AED deposit through camt, reconciliation, wrong reference to suspense', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bank-'));
  const rt = await openRuntime(loadConfig({ dataDir: dir, port: 0 }, {}));
  const bank = await startBankRails(rt, 3_600_000);
  try {
    const u = await runAdmin(rt, { op: 'user.create', email: 'noor@example.ae', password: 'correct horse battery staple', kyc: 'approved', name: 'Noor Al Hashimi' });
    const userId = Number(u.userId);
    const directory = accountsDirectory(rt.accounts);
    const c = directory.byUserId(userId)!;
    assert.equal(directory.byReference(c.reference)?.userId, userId);
    assert.equal(directory.byReference(c.reference.slice(0, -1) + (c.reference.endsWith('0') ? '1' : '0')), undefined); // typo: check symbols catch it
    const dep = await runAdmin(rt, { op: 'sandbox.deposit', email: 'noor@example.ae', asset: 'AED', amount: '250.75' });
    assert.equal(dep.ok, true);
    assert.equal(rt.engine.core.userBalances(userId).AED!.available, 25_075n);
    // A transfer with a mistyped reference goes to suspense, not to anyone's balance.
    const { SANDBOX_MINT_IBAN } = await import('../banking/rails/index.ts');
    bank.bank.transfer({ fromIban: SANDBOX_MINT_IBAN, toIban: c.verifiedIbans[0]!, amountFils: 1_000n, at: bank.rails.now() });
    bank.bank.transfer({ fromIban: c.verifiedIbans[0]!, toIban: bank.rails.config.collectionIban, amountFils: 1_000n, remittance: 'RP-0000-0000-00', at: bank.rails.now() });
    const { importBankFiles, listSuspense } = await import('../banking/rails/index.ts');
    await importBankFiles(bank.rails);
    assert.equal(rt.engine.core.userBalances(userId).AED!.available, 25_075n);
    assert.equal((await listSuspense(bank.rails, {})).length, 1);
    // Hostile admin requests: typed errors, and not one balance moves.
    const before = rt.engine.core.ledger.balances.join(',');
    for (const bad of [null, 42, {}, { op: 'nope' }, { op: 'user.create', email: 5 }, { op: 'sandbox.deposit', email: 'noor@example.ae', asset: 'AED', amount: '-1' }, { op: 'sandbox.deposit', email: 'noor@example.ae', asset: 'AED', amount: '1.001' }, { op: 'sandbox.deposit', email: 'noor@example.ae', asset: 'DOGE', amount: '1' }, { op: 'apiKey.create', email: 'noor@example.ae', perms: ['admin'] }, { op: 'status', extra: 1 }, { op: 'user.create', email: 'x@y.z', password: 'p', kyc: 'approved', iban: 'GB00NOTANIBAN0000000' }]) {
      await assert.rejects(runAdmin(rt, bad), (e: unknown) => typeof (e as { code?: unknown }).code === 'string', JSON.stringify(bad));
    }
    assert.equal(rt.engine.core.ledger.balances.join(','), before);
    await assert.rejects(runAdmin(rt, { op: 'user.create', email: 'half@example.ae', password: 'correct horse battery staple', kyc: 'approved', iban: 'AE000000000000000000000' }), (e: unknown) => (e as { code?: string }).code === 'IBAN_INVALID');
    assert.equal(rt.accounts.repo.userByEmail('half@example.ae'), undefined, 'no half-made account');
    const rec = await runAdmin(rt, { op: 'bank.reconcile' });
    assert.equal(rec.ok, true, JSON.stringify(rec));
    rt.engine.core.checkInvariants();
  } finally {
    bank.stop();
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
