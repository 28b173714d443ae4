import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { RampartError } from '../shared/errors.ts';
import { parseCamt } from './camt.ts';
import { type CustomerDirectory, decideDeposit } from './deposits.ts';
import { buildPain001, parsePain001 } from './pain001.ts';
import { buildPain002, parsePain002 } from './pain002.ts';
import { rootElement } from './xmlTree.ts';

/**
 * Whatever bytes arrive, the parsers either return a document or throw a typed RampartError
 * (BankingError, XmlError, DecimalError) — never a TypeError from poking at an unexpected shape.
 */
const fx = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const seeds = [fx('aed-camt053-v02.xml'), fx('aed-camt054-v08.xml'), fx('aed-camt053-v08-otherbank.xml'), fx('genkgo/camt054.v8.xml')];
const nobody: CustomerDirectory = { byReference: () => undefined };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('<Amt Ccy="AED">-1</Amt>', '<Ntry/>', '<TxDtls><Amt>1</Amt></TxDtls>', '<Sts><Cd><x/></Cd></Sts>', '<Dbtr><Pty/></Dbtr>', '&amp;', '<IBAN/>', '</Ntry>', '<Bal/>', '<NtryDtls/>', '"', '<![CDATA[x]]>') }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
);

function apply(text: string, m: { kind: string; at: number; len?: number; text?: string }): string {
  const at = m.at % (text.length + 1);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + (m.len ?? 1));
  if (m.kind === 'insert') return text.slice(0, at) + (m.text ?? '') + text.slice(at);
  return text.slice(0, at) + text.slice(at, at + (m.len ?? 1)) + text.slice(at);
}

test('property: mutated camt files never crash the parser or the deposit decision with an untyped error', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      const xml = ms.reduce((t, m) => apply(t, m), seed);
      try {
        const doc = parseCamt(xml);
        for (const s of doc.statements) {
          for (const entry of s.entries) {
            const d = decideDeposit({ entry, statementAccountIban: s.accountIban, collectionIban: 'AE940331000200030004000', directory: nobody, limits: { depositFilsMin: 1n, depositFilsMax: 10n ** 12n } });
            assert.notEqual(d.kind, 'credit');
          }
        }
      } catch (e) {
        assert.ok(e instanceof RampartError, `untyped ${String(e)}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('property: mutated pain.001 / pain.002 files never crash with an untyped error', () => {
  const p1 = buildPain001({
    version: '001.001.09', messageId: 'M1', createdAt: '2026-11-25T10:00:00Z', requestedExecutionDate: '2026-11-25', initiatingPartyName: 'R', debtorName: 'R',
    debtorIban: 'AE940331000200030004000', debtorBic: 'BOMLAEAD', payouts: [{ payoutId: 'P1', creditorName: 'Y', creditorIban: 'AE160505550001112223334', amountFils: 100n }],
  }).xml;
  const p2 = buildPain002({ version: '002.001.10', messageId: 'S', createdAt: '2026-11-25T10:00:00Z', originalMessageId: 'M1', originalMessageName: 'pain.001.001.09', lines: [{ endToEndId: 'P1', status: 'RJCT', reasonCode: 'AC04' }] });
  fc.assert(
    fc.property(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (first, ms) => {
      const xml = ms.reduce((t, m) => apply(t, m), first ? p1 : p2);
      try {
        if (first) parsePain001(xml);
        else parsePain002(xml);
      } catch (e) {
        assert.ok(e instanceof RampartError, `untyped ${String(e)}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('root element detection: default and prefixed namespaces, comments and declarations first', () => {
  assert.deepEqual(rootElement('<?xml version="1.0"?><!-- c --><Document xmlns="urn:x"/>'), { localName: 'Document', namespace: 'urn:x' });
  assert.deepEqual(rootElement("<n:Document xmlns:n='urn:y' xmlns='urn:z'><n:A/></n:Document>"), { localName: 'Document', namespace: 'urn:y' });
  assert.deepEqual(rootElement('<Document xmlns:n="urn:y"/>'), { localName: 'Document', namespace: undefined });
});
