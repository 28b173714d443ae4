import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BankAdapter, InboundFile } from '../bankAdapter.ts';
import { makeUaeIban } from '../iban.ts';
import { formatDepositReference } from '../reference.ts';
import { ledgerOmnibusFils, SUSPENSE } from './context.ts';
import { importBankFile, importBankFiles } from './depositPipeline.ts';
import { sandboxDeposit } from './sandboxDeposit.ts';
import { listSuspense } from './suspense.ts';
import { COLLECTION, CUSTOMERS, harness } from './testing.ts';

const [K, M] = CUSTOMERS as [(typeof CUSTOMERS)[0], (typeof CUSTOMERS)[0]];
const suspenseFils = (h: { engine: { core: { ledger: { balance(i: number): bigint }; accountByKey(k: string): number } } }) => h.engine.core.ledger.balance(h.engine.core.accountByKey(SUSPENSE));

test('deposit happy path: sandbox transfer → camt.054 → credit, file acknowledged', async () => {
  const h = await harness();
  try {
    const r = await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 250_000n });
    assert.equal(r.creditedFils, 250_000n);
    assert.equal(r.import.files.length, 1);
    assert.equal(r.import.files[0]!.kind, 'camt.054');
    assert.equal(h.available(1), 250_000n);
    assert.equal(ledgerOmnibusFils(h.engine), 250_000n);
    assert.equal(h.bank.balanceOf(COLLECTION), 250_000n);
    assert.deepEqual(await h.bank.listInbound(), [], 'acknowledged');
    // By e-mail too (what `rampart sandbox deposit --email` passes).
    const r2 = await sandboxDeposit({ rails: h.rails, bank: h.bank, email: M.email!, amountFils: 100_000n });
    assert.equal(r2.userId, 2);
    assert.equal(h.available(2), 100_000n);
  } finally {
    await h.close();
  }
});

test('the same statement delivered twice credits once', async () => {
  const h = await harness();
  try {
    h.bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 10_000_000n);
    h.bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 500_000n, remittance: `deposit ${formatDepositReference(K.reference)}`, at: h.iso() });
    const [file] = await h.bank.listInbound();
    const first = await importBankFile(h.rails, file!);
    const again = await importBankFile(h.rails, file!);
    assert.equal(first.credited, 1);
    assert.equal(again.credited, 0);
    assert.equal(again.duplicates, 1);
    assert.equal(h.available(1), 500_000n);
  } finally {
    await h.close();
  }
});

test('camt.054 then the camt.053 repeating it: credited once, statement kept for reconciliation', async () => {
  const h = await harness();
  try {
    await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 300_000n });
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.kind, 'camt.053');
    assert.equal(rep.files[0]!.credited, 0);
    assert.equal(rep.files[0]!.duplicates, 1);
    assert.equal(h.available(1), 300_000n);
    assert.equal(h.store.list('statement').length, 1);
  } finally {
    await h.close();
  }
});

test('mistyped reference → suspense (BAD_CHECK_DIGIT): omnibus → suspense, nobody credited', async () => {
  const h = await harness();
  try {
    h.bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 10_000_000n);
    const ref = formatDepositReference(K.reference);
    const typo = ref.slice(0, 4) + (ref[4] === 'A' ? 'B' : 'A') + ref.slice(5);
    h.bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 70_000n, remittance: typo, at: h.iso() });
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.suspense, 1);
    assert.equal(h.available(1), 0n);
    assert.equal(suspenseFils(h), 70_000n);
    const [item] = listSuspense(h.rails);
    assert.equal(item!.reason, 'BAD_CHECK_DIGIT');
    assert.equal(item!.amountFils, 70_000n);
    assert.equal(item!.payerIban, K.verifiedIbans[0]);
    assert.deepEqual(item!.remittance, [typo]);
    // Re-delivery of the same bank entry (camt.053) changes nothing.
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    await importBankFiles(h.rails);
    assert.equal(suspenseFils(h), 70_000n);
    assert.equal(listSuspense(h.rails).length, 1);
  } finally {
    await h.close();
  }
});

test('a file that can never be read is quarantined; nothing moves', async () => {
  const h = await harness();
  try {
    const junk: InboundFile = { id: 'x.xml', name: 'x.xml', content: '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>' };
    const adapter: BankAdapter = { ...h.bank, listInbound: async () => [junk], acknowledge: async () => assert.fail('not acknowledged'), reject: async (id, reason) => void rejected.push([id, reason]), submitPaymentFile: async () => undefined };
    const rejected: [string, string][] = [];
    const before = h.engine.core.seq;
    const rep = await importBankFiles({ ...h.rails, adapter });
    assert.equal(rep.files[0]!.kind, 'rejected');
    assert.equal(rejected.length, 1);
    assert.equal(h.engine.core.seq, before);
  } finally {
    await h.close();
  }
});

test('crash mid-file and crash before the acknowledgement: re-import is harmless', async () => {
  const h = await harness();
  try {
    h.bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 10_000_000n);
    h.bank.openAccount(M.verifiedIbans[0]!, 'MOHAMED AL MANSOORI', 10_000_000n);
    const stranger = makeUaeIban('035', '4242');
    h.bank.openAccount(stranger, 'SOMEONE ELSE', 10_000_000n);
    h.bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 100_000n, remittance: K.reference, at: h.iso() });
    h.bank.transfer({ fromIban: M.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 200_000n, remittance: M.reference, at: h.iso() });
    h.bank.transfer({ fromIban: stranger, toIban: COLLECTION, amountFils: 40_000n, remittance: K.reference, at: h.iso() });
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:00:00Z');
    // The camt.054s are lost; only the camt.053 (three credits) is imported.
    for (const f of await h.bank.listInbound()) if (f.name.startsWith('camt054')) await h.bank.acknowledge(f.id);

    // 1. The process dies after the first submission of the file.
    let submits = 0;
    await h.restart({
      wrapEngine: (e) => ({
        core: e.core,
        onResult: (l) => e.onResult(l),
        submit: (s) => (++submits === 2 ? Promise.reject(new Error('simulated crash')) : e.submit(s)),
      }),
    });
    await assert.rejects(importBankFiles(h.rails), /simulated crash/);
    assert.equal((await h.bank.listInbound()).length, 1, 'not acknowledged');
    assert.equal(h.available(1), 100_000n);

    // 2. Restart; this time everything is applied but the process dies before the acknowledgement.
    await h.restart({ adapter: { ...h.bank, listInbound: () => h.bank.listInbound(), acknowledge: async () => Promise.reject(new Error('crash before ack')), reject: (i, r) => h.bank.reject(i, r), submitPaymentFile: (n, x) => h.bank.submitPaymentFile(n, x) } });
    await assert.rejects(importBankFiles(h.rails), /crash before ack/);
    assert.equal(h.available(2), 200_000n);
    assert.equal(suspenseFils(h), 40_000n);

    // 3. Restart normally: the re-import changes nothing and acknowledges.
    await h.restart();
    const seq = h.engine.core.seq;
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.credited, 0);
    assert.equal(rep.files[0]!.duplicates, 2);
    assert.equal(h.available(1), 100_000n);
    assert.equal(h.available(2), 200_000n);
    assert.equal(suspenseFils(h), 40_000n);
    assert.equal(listSuspense(h.rails).length, 1);
    assert.equal(ledgerOmnibusFils(h.engine), 340_000n);
    assert.equal(h.engine.core.seq - seq, 3, 'three no-op duplicates journaled, nothing moved');
    assert.deepEqual(await h.bank.listInbound(), []);
  } finally {
    await h.close();
  }
});
