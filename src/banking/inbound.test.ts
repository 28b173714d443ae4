import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BankingError } from './errors.ts';
import { parseBankFile } from './inbound.ts';
import { buildPain002 } from './pain002.ts';

const fx = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('routes each bank file to its parser by namespace', () => {
  const a = parseBankFile(fx('aed-camt053-v02.xml'));
  assert.ok(a.type === 'camt' && a.doc.kind === 'camt.053');
  const b = parseBankFile(fx('aed-camt054-v08.xml'));
  assert.ok(b.type === 'camt' && b.doc.kind === 'camt.054');
  const c = parseBankFile(buildPain002({ version: '002.001.03', messageId: 'S', createdAt: '2026-11-25T10:00:00Z', originalMessageId: 'M', originalMessageName: 'pain.001.001.03', lines: [{ endToEndId: 'P', status: 'ACSC' }] }));
  assert.ok(c.type === 'pain.002' && c.report.payments[0]!.status === 'ACSC');
  assert.throws(() => parseBankFile('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>'), (e: unknown) => e instanceof BankingError && e.code === 'BANK_FILE_UNKNOWN');
  assert.throws(() => parseBankFile('<html><body>502 Bad Gateway</body></html>'), (e: unknown) => e instanceof BankingError && e.code === 'BANK_FILE_UNKNOWN');
});
