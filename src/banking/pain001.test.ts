import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseSafeXml, XmlError } from '../shared/xml.ts';
import { BankingError } from './errors.ts';
import { makeUaeIban } from './iban.ts';
import { buildPain001, type Pain001Batch, type Pain001Version, parsePain001, toSwiftText } from './pain001.ts';
import { at, attr, children, textAt } from './xmlTree.ts';

const base = (version: Pain001Version): Pain001Batch => ({
  version,
  messageId: 'RPPAIN-20261125-0001',
  createdAt: '2026-11-25T10:00:00Z',
  requestedExecutionDate: '2026-11-25',
  initiatingPartyName: 'RAMPART VIRTUAL ASSETS FZE',
  debtorName: 'RAMPART VIRTUAL ASSETS FZE CLIENT MONEY',
  debtorIban: 'AE94 0331 0002 0003 0004 000',
  debtorBic: 'BOMLAEAD',
  payouts: [
    { payoutId: 'PAYOUT-0001', creditorName: 'Yousef Ibrahim', creditorIban: 'AE160505550001112223334', amountFils: 120_000n, remittance: 'Rampart withdrawal PAYOUT-0001' },
    { payoutId: 'PAYOUT-0002', creditorName: "Sara O'Neil", creditorIban: 'AE900261012345678901234', amountFils: 1n },
    { payoutId: 'PAYOUT-0003', creditorName: 'Ali Hassan', creditorIban: 'AE340352000000000004567', amountFils: 99_999_999n },
  ],
});

const REQUIRED_PMTINF_ORDER = ['PmtInfId', 'PmtMtd', 'BtchBookg', 'NbOfTxs', 'CtrlSum', 'ReqdExctnDt', 'Dbtr', 'DbtrAcct', 'DbtrAgt', 'ChrgBr', 'CdtTrfTxInf'];

for (const version of ['001.001.03', '001.001.09'] as const) {
  test(`pain.${version}: required elements present, in schema order, amounts exact`, () => {
    const file = buildPain001(base(version));
    assert.equal(file.nbOfTxs, 3);
    assert.equal(file.controlSumFils, 100_120_000n);
    assert.match(file.xml, new RegExp(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain\\.${version.replace(/\./g, '\\.')}">`));
    const doc = parseSafeXml(file.xml, { arrayTags: new Set(['CdtTrfTxInf']) });
    const msg = at(doc, 'Document', 'CstmrCdtTrfInitn');
    assert.deepEqual(Object.keys(at(msg, 'GrpHdr') as object), ['MsgId', 'CreDtTm', 'NbOfTxs', 'CtrlSum', 'InitgPty']);
    assert.equal(textAt(msg, 'GrpHdr', 'NbOfTxs'), '3');
    assert.equal(textAt(msg, 'GrpHdr', 'CtrlSum'), '1001200.00');
    assert.equal(textAt(msg, 'GrpHdr', 'InitgPty', 'Nm'), 'RAMPART VIRTUAL ASSETS FZE');
    const pi = at(msg, 'PmtInf');
    assert.deepEqual(Object.keys(pi as object), REQUIRED_PMTINF_ORDER);
    assert.equal(textAt(pi, 'PmtMtd'), 'TRF');
    if (version === '001.001.09') {
      assert.equal(textAt(pi, 'ReqdExctnDt', 'Dt'), '2026-11-25');
      assert.equal(textAt(pi, 'DbtrAgt', 'FinInstnId', 'BICFI'), 'BOMLAEAD');
    } else {
      assert.equal(textAt(pi, 'ReqdExctnDt'), '2026-11-25');
      assert.equal(textAt(pi, 'DbtrAgt', 'FinInstnId', 'BIC'), 'BOMLAEAD');
    }
    assert.equal(textAt(pi, 'DbtrAcct', 'Id', 'IBAN'), 'AE940331000200030004000');
    const txs = children(pi, 'CdtTrfTxInf');
    assert.equal(txs.length, 3);
    assert.deepEqual(Object.keys(txs[0] as object), ['PmtId', 'Amt', 'Cdtr', 'CdtrAcct', 'RmtInf']);
    assert.equal(textAt(txs[0], 'PmtId', 'EndToEndId'), 'PAYOUT-0001');
    assert.equal(textAt(txs[0], 'Amt', 'InstdAmt'), '1200.00');
    assert.equal(attr(at(txs[0], 'Amt', 'InstdAmt'), 'Ccy'), 'AED');
    assert.equal(textAt(txs[1], 'Amt', 'InstdAmt'), '0.01');
    assert.equal(textAt(txs[2], 'Amt', 'InstdAmt'), '999999.99');
    assert.equal(textAt(txs[1], 'Cdtr', 'Nm'), "Sara O'Neil");
    const back = parsePain001(file.xml);
    assert.equal(back.version, version);
    assert.equal(back.payments[2]!.amountFils, 99_999_999n);
    assert.equal(back.controlSumFils, file.controlSumFils);
  });
}

test('property: any valid batch round-trips through build → parse exactly', () => {
  const payout = fc.record({
    payoutId: fc.stringMatching(/^[A-Z0-9-]{1,35}$/),
    creditorName: fc.stringMatching(/^[A-Za-z][A-Za-z .'-]{0,60}[A-Za-z]$/),
    account: fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }),
    amountFils: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
  });
  fc.assert(
    fc.property(fc.uniqueArray(payout, { minLength: 1, maxLength: 20, selector: (p) => p.payoutId }), fc.constantFrom<Pain001Version>('001.001.03', '001.001.09'), (ps, version) => {
      const batch = { ...base(version), payouts: ps.map((p) => ({ payoutId: p.payoutId, creditorName: p.creditorName, creditorIban: makeUaeIban('026', p.account), amountFils: p.amountFils })) };
      const file = buildPain001(batch);
      const back = parsePain001(file.xml);
      assert.deepEqual(
        back.payments.map((p) => [p.endToEndId, p.amountFils, p.creditorName, p.creditorIban]),
        batch.payouts.map((p) => [p.payoutId, p.amountFils, p.creditorName, p.creditorIban]),
      );
      assert.equal(back.controlSumFils, file.controlSumFils);
    }),
    { numRuns: 100 },
  );
});

test('bad batches are refused before any XML is produced', () => {
  const b = base('001.001.03');
  const p0 = b.payouts[0]!;
  const cases: [Partial<Pain001Batch>, string][] = [
    [{ payouts: [] }, 'PAIN001_COUNT'],
    [{ payouts: [p0, p0] }, 'PAIN001_DUPLICATE'],
    [{ payouts: [{ ...p0, amountFils: 0n }] }, 'PAIN001_AMOUNT'],
    [{ payouts: [{ ...p0, amountFils: -5n }] }, 'PAIN001_AMOUNT'],
    [{ payouts: [{ ...p0, creditorIban: 'AE160505550001112223335' }] }, 'PAIN001_IBAN'],
    [{ payouts: [{ ...p0, creditorName: 'محمد' }] }, 'PAIN001_CHARSET'],
    [{ payouts: [{ ...p0, creditorName: 'A & B <LLC>' }] }, 'PAIN001_CHARSET'],
    [{ payouts: [{ ...p0, payoutId: 'X'.repeat(36) }] }, 'PAIN001_ID'],
    [{ payouts: [{ ...p0, remittance: 'r'.repeat(141) }] }, 'PAIN001_TEXT'],
    [{ messageId: 'has space' }, 'PAIN001_ID'],
    [{ requestedExecutionDate: '25/11/2026' }, 'PAIN001_DATE'],
    [{ debtorBic: 'bad' }, 'PAIN001_BIC'],
    [{ debtorIban: 'AE940331000200030004001' }, 'PAIN001_IBAN'],
    [{ version: '001.001.02' as Pain001Version }, 'PAIN001_VERSION'],
  ];
  for (const [patch, code] of cases) {
    assert.throws(() => buildPain001({ ...b, ...patch }), (e: unknown) => e instanceof BankingError && e.code === code, code);
  }
});

test('parsePain001 refuses tampered totals, other currencies, unknown namespaces and unsafe XML', () => {
  const xml = buildPain001(base('001.001.09')).xml;
  const refuse = (text: string, code: string): void => {
    assert.throws(() => parsePain001(text), (e: unknown) => (e instanceof BankingError || e instanceof XmlError) && e.code === code, code);
  };
  refuse(xml.replace('<CtrlSum>1001200.00</CtrlSum>', '<CtrlSum>1001200.01</CtrlSum>'), 'PAIN001_TOTALS');
  refuse(xml.replace('<NbOfTxs>3</NbOfTxs>', '<NbOfTxs>2</NbOfTxs>'), 'PAIN001_TOTALS');
  refuse(xml.replace('Ccy="AED">1200.00', 'Ccy="USD">1200.00'), 'PAIN001_CURRENCY');
  refuse(xml.replace('pain.001.001.09', 'pain.001.001.05'), 'PAIN001_NAMESPACE_UNSUPPORTED');
  refuse(xml.replace('pain.001.001.09', 'pain.001.001.001.09'), 'PAIN001_NAMESPACE_UNSUPPORTED');
  refuse(xml.replace('AE160505550001112223334', 'AE160505550001112223335'), 'PAIN001_IBAN');
  refuse(xml.replace('<EndToEndId>PAYOUT-0002</EndToEndId>', '<EndToEndId>PAYOUT-0001</EndToEndId>'), 'PAIN001_DUPLICATE');
  refuse(`<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${xml.slice(xml.indexOf('<Document'))}`, 'XML_DTD_REFUSED');
  assert.throws(() => parsePain001(xml.replace('>1200.00<', '>1200.001<')), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'DECIMAL_PRECISION');
});

test('toSwiftText: explicit, lossy conversion for names outside the SWIFT set', () => {
  assert.equal(toSwiftText('José Núñez & Söhne GmbH'), 'Jose Nunez AND Sohne GmbH');
  assert.equal(toSwiftText('Ali  @ Hassan!'), 'Ali Hassan');
  assert.equal(toSwiftText('محمد'), undefined);
  assert.equal(toSwiftText('x'.repeat(200))!.length, 140);
  const name = toSwiftText('Zoë <script>')!;
  assert.doesNotThrow(() => buildPain001({ ...base('001.001.09'), payouts: [{ ...base('001.001.09').payouts[0]!, creditorName: name }] }));
});
