import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { XmlError } from '../shared/xml.ts';
import { type CamtDocument, parseCamt } from './camt.ts';
import { BankingError } from './errors.ts';

const fx = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const COLLECTION = 'AE940331000200030004000';
const codes = (e: { issues: readonly { code: string }[] }): string[] => e.issues.map((i) => i.code);

test('AED camt.053.001.02 statement: balances, entries, parties, remittance', () => {
  const doc = parseCamt(fx('aed-camt053-v02.xml'), { accountIban: COLLECTION });
  assert.equal(doc.kind, 'camt.053');
  assert.equal(doc.version, '001.02');
  assert.equal(doc.messageId, 'MSHQ053-20261124-000187');
  const s = doc.statements[0]!;
  assert.equal(s.accountIban, COLLECTION);
  assert.equal(s.id, 'STMT-AE940331000200030004000-20261124');
  assert.equal(s.openingBalanceFils, 100_000n);
  assert.equal(s.closingBalanceFils, 505_050n);
  assert.deepEqual(s.issues, []);
  assert.equal(s.entries.length, 3);
  const [a, b, c] = s.entries;
  assert.equal(a!.amountFils, 500_000n);
  assert.equal(a!.direction, 'credit');
  assert.equal(a!.status, 'BOOK');
  assert.equal(a!.bookingDate, '2026-11-24');
  assert.equal(a!.entryAccountServicerRef, 'FT26328A7KQ1');
  assert.equal(a!.entryRef, '1');
  assert.equal(a!.endToEndId, undefined, 'NOTPROVIDED is absent');
  assert.equal(a!.debtorName, 'MOHAMMED ABDULLAH AL-MANSOORI');
  assert.equal(a!.debtorIban, 'AE900261012345678901234');
  assert.deepEqual(a!.remittanceUnstructured, ['RP0000000145']);
  assert.deepEqual(a!.issues, []);
  assert.equal(b!.amountFils, 25_050n);
  assert.equal(b!.endToEndId, 'IPS2611240093311');
  assert.equal(c!.direction, 'debit');
  assert.equal(c!.endToEndId, 'PAYOUT-0001');
  assert.equal(c!.creditorIban, 'AE160505550001112223334');
  // Statement arithmetic holds: opening + credits − debits = closing.
  const net = s.entries.reduce((n, e) => n + (e.direction === 'credit' ? e.amountFils! : -e.amountFils!), 0n);
  assert.equal(s.openingBalanceFils! + net, s.closingBalanceFils);
});

test('AED camt.054.001.08 notification: Sts/Cd and Dbtr/Pty/Nm, same bank reference as the statement', () => {
  const doc = parseCamt(fx('aed-camt054-v08.xml'));
  assert.equal(doc.kind, 'camt.054');
  assert.equal(doc.version, '001.08');
  const e = doc.statements[0]!.entries[0]!;
  assert.equal(e.status, 'BOOK');
  assert.equal(e.debtorName, 'MOHAMMED ABDULLAH AL-MANSOORI');
  assert.equal(e.amountFils, 500_000n);
  assert.equal(e.entryAccountServicerRef, 'FT26328A7KQ1');
  assert.equal(doc.statements[0]!.openingBalanceFils, undefined);
  assert.deepEqual(doc.statements[0]!.issues, []);
});

test('another bank: prefixed root, no NtryRef, Strd, batch of TxDtls, DtTm dates, amounts without decimals', () => {
  const doc = parseCamt(fx('aed-camt053-v08-otherbank.xml'), { accountIban: COLLECTION });
  assert.equal(doc.version, '001.08');
  const s = doc.statements[0]!;
  assert.equal(s.openingBalanceFils, 505_050n, 'PRCD used as opening balance');
  assert.equal(s.closingBalanceFils, 705_075n);
  assert.equal(s.closingBalanceDate, '2026-11-25');
  assert.deepEqual(s.issues, []);
  assert.equal(s.entries.length, 3, 'batch split into its two transactions');
  const [t1, t2, single] = s.entries;
  assert.deepEqual(t1!.batch, { size: 2, index: 0 });
  assert.equal(t1!.amountFils, 30_000n);
  assert.equal(t2!.amountFils, 70_025n);
  assert.equal(t1!.entryRef, undefined);
  assert.equal(t1!.entryAccountServicerRef, undefined);
  assert.equal(t1!.txAccountServicerRef, 'IPI2611250000412');
  assert.equal(t1!.bookingDate, '2026-11-25');
  assert.equal(t1!.valueDate, '2026-11-25');
  assert.deepEqual(t1!.remittanceUnstructured, []);
  assert.deepEqual(t1!.remittanceReferences, ['RP00000003RR']);
  assert.equal(t1!.debtorIban, 'AE970309876543210000001', 'print-format IBAN normalised');
  assert.equal(t1!.debtorName, 'Muhammad Abd al-Rahman bin Saeed');
  assert.deepEqual(t1!.issues, []);
  assert.equal(single!.amountFils, 100_000n);
  assert.equal(single!.debtorIban, undefined);
});

test('genkgo third-party files parse; every non-AED entry carries WRONG_CURRENCY', () => {
  const files = ['camt053.v2.minimal.xml', 'camt053.v2.multi.statement.xml', 'camt053.v4.xml', 'camt054.v2.xml', 'camt054.v8.xml'];
  const seen: CamtDocument[] = [];
  for (const f of files) {
    const doc = parseCamt(fx(`genkgo/${f}`));
    seen.push(doc);
    for (const s of doc.statements) {
      assert.ok(s.entries.length > 0, f);
      for (const e of s.entries) {
        assert.equal(e.amountFils, null, f);
        assert.ok(codes(e).includes('WRONG_CURRENCY'), f);
      }
    }
  }
  assert.equal(seen[1]!.statements.length, 2, 'multi-statement file');
  assert.equal(seen[2]!.version, '001.04');
  assert.equal(seen[2]!.statements[0]!.accountOtherId, 'NL26VAYB8060476890');
  const v8 = seen[4]!.statements[0]!.entries;
  assert.equal(v8.length, 3, 'camt054.v8 batch with three TxDtls');
  assert.equal(v8[0]!.debtorName, 'UNIFITS GmbH');
  assert.equal(v8[0]!.endToEndId, 'UXC06170000006PI00001EE00001');
  assert.deepEqual(v8[2]!.remittanceReferences, ['Ref number V3 block 1', 'Ref number V3 block 2']);
  assert.equal(v8[2]!.remittanceUnstructured.length, 2);
  const v2 = seen[0]!.statements[0]!.entries[0]!;
  assert.equal(v2.debtorName, 'NAME NAME');
  assert.equal(v2.status, 'BOOK');
  assert.equal(seen[3]!.statements[0]!.entries[0]!.bookingDate, '2007-10-18', 'DtTm booking date');
});

test('genkgo malformed statement (no Stmt) is refused with CAMT_STRUCTURE', () => {
  assert.throws(() => parseCamt(fx('genkgo/camt053.v2.wrong.xml')), (e: unknown) => e instanceof BankingError && e.code === 'CAMT_STRUCTURE');
});

function stmt(ntry: string, ns = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'): string {
  return `<?xml version="1.0"?><Document xmlns="${ns}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id>
  <Acct><Id><IBAN>${COLLECTION}</IBAN></Id></Acct>
  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="AED">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
  <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="AED">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
  ${ntry}</Stmt></BkToCstmrStmt></Document>`;
}
const ntry = (amt: string, extra = ''): string =>
  `<Ntry><Amt Ccy="AED">${amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-24</Dt></BookgDt><AcctSvcrRef>X1</AcctSvcrRef>${extra}</Ntry>`;

test('hostile amounts become per-entry issues, never numbers', () => {
  const cases: [string, string][] = [
    ['-5.00', 'AMOUNT_NEGATIVE'],
    ['5.001', 'AMOUNT_PRECISION'],
    ['1e3', 'AMOUNT_FORMAT'],
    ['5,00', 'AMOUNT_FORMAT'],
    ['0x10', 'AMOUNT_FORMAT'],
    ['00012', 'AMOUNT_FORMAT'],
    ['', 'AMOUNT_MISSING'],
    ['0.00', 'AMOUNT_ZERO'],
    ['9'.repeat(200), 'AMOUNT_FORMAT'],
  ];
  for (const [amt, code] of cases) {
    const e = parseCamt(stmt(ntry(amt))).statements[0]!.entries[0]!;
    assert.ok(codes(e).includes(code), `${amt} → ${codes(e).join(',')}`);
    if (code !== 'AMOUNT_ZERO') assert.equal(e.amountFils, null);
  }
  const usd = parseCamt(stmt(ntry('5.00').replace('Ccy="AED"', 'Ccy="USD"'))).statements[0]!.entries[0]!;
  assert.deepEqual(codes(usd), ['WRONG_CURRENCY']);
  const noCcy = parseCamt(stmt(ntry('5.00').replace(' Ccy="AED"', ''))).statements[0]!.entries[0]!;
  assert.deepEqual(codes(noCcy), ['WRONG_CURRENCY']);
  const nested = parseCamt(stmt(ntry('<x>5</x>'))).statements[0]!.entries[0]!;
  assert.ok(codes(nested).includes('AMOUNT_MISSING') || codes(nested).includes('AMOUNT_FORMAT'));
  const badDir = parseCamt(stmt(ntry('5.00').replace('CRDT', 'CRED'))).statements[0]!.entries[0]!;
  assert.deepEqual(codes(badDir), ['CDTDBT_INVALID']);
  const badDate = parseCamt(stmt(ntry('5.00').replace('2026-11-24</Dt></BookgDt>', '24/11/2026</Dt></BookgDt>'))).statements[0]!.entries[0]!;
  assert.deepEqual(codes(badDate), ['DATE_INVALID']);
  // Closing balance was DBIT: signed negative.
  assert.equal(parseCamt(stmt(ntry('5.00'))).statements[0]!.closingBalanceFils, -1000n);
});

test('batch whose transactions do not add up is flagged on every part', () => {
  const tx = (a: string): string => `<TxDtls><AmtDtls><TxAmt><Amt Ccy="AED">${a}</Amt></TxAmt></AmtDtls></TxDtls>`;
  const doc = parseCamt(stmt(ntry('10.00', `<NtryDtls>${tx('4.00')}${tx('5.00')}</NtryDtls>`)));
  const es = doc.statements[0]!.entries;
  assert.equal(es.length, 2);
  for (const e of es) assert.ok(codes(e).includes('BATCH_SUM_MISMATCH'));
});

test('unknown or missing namespaces, wrong roots and unsafe XML are refused with typed errors', () => {
  const refuse = (xml: string, code: string): void => {
    assert.throws(() => parseCamt(xml), (e: unknown) => (e instanceof BankingError || e instanceof XmlError) && e.code === code, code);
  };
  refuse(stmt(ntry('1.00'), 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.99'), 'CAMT_NAMESPACE_UNSUPPORTED');
  refuse(stmt(ntry('1.00'), 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.02'), 'CAMT_NAMESPACE_UNSUPPORTED');
  refuse(stmt(ntry('1.00'), 'urn:evil'), 'CAMT_NAMESPACE_UNSUPPORTED');
  refuse(stmt(ntry('1.00')).replace(' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', ''), 'CAMT_NAMESPACE_UNSUPPORTED');
  // camt.054 namespace around a camt.053 body: the body the namespace promises is missing.
  refuse(stmt(ntry('1.00'), 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.02'), 'CAMT_STRUCTURE');
  refuse('<?xml version="1.0"?><Foo xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', 'CAMT_STRUCTURE');
  refuse('<!DOCTYPE x [<!ENTITY a "b">]><Document/>', 'XML_DTD_REFUSED');
  refuse('<Document><BkToCstmrStmt>', 'XML_MALFORMED');
  refuse('not xml at all', 'XML_MALFORMED');
  assert.throws(() => parseCamt(stmt(ntry('1.00')), { bytesMax: 100 }), (e: unknown) => e instanceof XmlError && e.code === 'XML_TOO_LARGE');
});

test('statement for another account or currency is flagged', () => {
  const s = parseCamt(stmt(ntry('1.00')), { accountIban: 'AE070331234567890123456' }).statements[0]!;
  assert.deepEqual(codes(s), ['ACCOUNT_MISMATCH']);
  const both = stmt(ntry('1.00')).replace('<Bal><Tp><CdOrPrtry><Cd>OPBD', '<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="AED">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-23</Dt></Dt></Bal><Bal><Tp><CdOrPrtry><Cd>OPBD');
  assert.equal(parseCamt(both).statements[0]!.openingBalanceFils, 0n, 'OPBD preferred over an earlier PRCD');
  const noBal = parseCamt(stmt(ntry('1.00')).replace(/<Bal>[\s\S]*<\/Bal>/, '')).statements[0]!;
  assert.deepEqual(codes(noBal), ['BALANCE_MISSING']);
});
