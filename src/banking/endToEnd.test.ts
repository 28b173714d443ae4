import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BankAdapter } from './bankAdapter.ts';
import { type CustomerDirectory, type DepositDecision, decideDeposit } from './deposits.ts';
import { FileExchange } from './fileExchange.ts';
import { makeUaeIban } from './iban.ts';
import { parseBankFile } from './inbound.ts';
import { buildPain001 } from './pain001.ts';
import { makeDepositReference } from './reference.ts';
import { reconcile, statementEntryReference } from './reconcile.ts';
import { SandboxBank } from './sandboxBank.ts';

const COLLECTION = makeUaeIban('033', '77');
const CUSTOMER = makeUaeIban('026', '88');
const REF = makeDepositReference('0000000K');
const directory: CustomerDirectory = {
  byReference: (r) => (r === REF ? { customerId: 'k', kycApproved: true, kycName: 'Khadija Hassan', verifiedIbans: [CUSTOMER] } : undefined),
};

/** What the exchange does on each poll, identical for every BankAdapter. */
async function poll(adapter: BankAdapter, credited: Map<string, bigint>, seen: DepositDecision[]): Promise<void> {
  for (const f of await adapter.listInbound()) {
    const parsed = parseBankFile(f.content, { accountIban: COLLECTION });
    if (parsed.type === 'camt') {
      for (const s of parsed.doc.statements) {
        for (const entry of s.entries) {
          const d = decideDeposit({ entry, statementAccountIban: s.accountIban, collectionIban: COLLECTION, directory, limits: { depositFilsMin: 1n, depositFilsMax: 10n ** 9n } });
          seen.push(d);
          // The core's idempotent apply, modelled: a key is credited at most once.
          if (d.kind === 'credit' && !credited.has(d.idempotencyKey)) credited.set(d.idempotencyKey, d.amountFils);
        }
      }
    }
    await adapter.acknowledge(f.id);
  }
}

test('sandbox bank behind a host-to-host folder: deposit credited once across camt.054 and camt.053, payout executed, day reconciles', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rampart-e2e-'));
  try {
    const dirs = { inboxDir: join(root, 'in'), outboxDir: join(root, 'out'), archiveDir: join(root, 'arch') };
    const fx = await FileExchange.open(dirs);
    const bank = new SandboxBank({ collectionIban: COLLECTION, collectionHolderName: 'RAMPART', camtVersion: '001.08' });
    bank.openAccount(CUSTOMER, 'KHADIJAH HASSAN', 1_000_000n);
    // The "mirror": bank files → inbox; outbox → bank.
    const mirror = async (): Promise<void> => {
      for (const f of await bank.listInbound()) {
        await writeFile(join(dirs.inboxDir, f.name), f.content);
        await bank.acknowledge(f.id);
      }
      for (const name of await readdir(dirs.outboxDir)) {
        if (name.startsWith('.')) continue;
        await bank.submitPaymentFile(name, await readFile(join(dirs.outboxDir, name), 'utf8'));
        await rm(join(dirs.outboxDir, name));
      }
    };
    const credited = new Map<string, bigint>();
    const seen: DepositDecision[] = [];

    bank.transfer({ fromIban: CUSTOMER, toIban: COLLECTION, amountFils: 300_000n, remittance: REF, at: '2026-11-25T09:00:00Z' });
    await mirror();
    await poll(fx, credited, seen);
    assert.equal(credited.size, 1);

    const pain = buildPain001({
      version: '001.001.09', messageId: 'RPPAIN-E2E-1', createdAt: '2026-11-25T12:00:00Z', requestedExecutionDate: '2026-11-25',
      initiatingPartyName: 'RAMPART', debtorName: 'RAMPART', debtorIban: COLLECTION, debtorBic: 'BOMLAEAD',
      payouts: [{ payoutId: 'PO-1', creditorName: 'Khadija Hassan', creditorIban: CUSTOMER, amountFils: 100_000n }],
    });
    await fx.submitPaymentFile('pain001-RPPAIN-E2E-1.xml', pain.xml);
    await mirror();
    await fx.submitPaymentFile('pain001-RPPAIN-E2E-1.xml', pain.xml); // retried by a restarted worker: not re-sent
    await mirror();
    bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    await mirror();
    await poll(fx, credited, seen);

    assert.equal(credited.size, 1, 'the camt.053 repeat of the deposit did not credit again');
    assert.equal(bank.balanceOf(COLLECTION), 200_000n, 'the payout executed exactly once');
    // Reconcile the statement (already archived) against what the ledger would hold.
    const archived = (await readdir(join(dirs.archiveDir, 'in'))).find((n) => n.includes('camt053'))!;
    const parsed = parseBankFile(await readFile(join(dirs.archiveDir, 'in', archived), 'utf8'));
    assert.ok(parsed.type === 'camt');
    const st = parsed.doc.statements[0]!;
    const ledger = [
      { reference: [...credited.keys()][0]!, amountFils: 300_000n, direction: 'credit' as const },
      { reference: 'payout:PO-1', amountFils: 100_000n, direction: 'debit' as const },
    ];
    const r = reconcile({ statement: st, collectionIban: COLLECTION, ledgerBalanceFils: 200_000n, ledgerTransfers: ledger });
    assert.equal(r.ok, true, JSON.stringify(r.unmatchedStatementEntries.map((e) => e.reference)));
    assert.deepEqual(st.entries.map((e) => statementEntryReference(e, COLLECTION)).sort(), ledger.map((l) => l.reference).sort());
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
