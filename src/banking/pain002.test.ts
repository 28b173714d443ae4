import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XmlError } from '../shared/xml.ts';
import { BankingError } from './errors.ts';
import { buildPain002, type Pain002Version, parsePain002, paymentOutcome } from './pain002.ts';

// Shaped like the pain.002.001.03 examples banks publish in their host-to-host guides.
const BANK_V03 = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-20261125-0091</MsgId><CreDtTm>2026-11-25T11:02:00+04:00</CreDtTm>
      <DbtrAgt><FinInstnId><BIC>BOMLAEAD</BIC></FinInstnId></DbtrAgt></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>RPPAIN-20261125-0001</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
      <OrgnlNbOfTxs>3</OrgnlNbOfTxs><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>RPPAIN-20261125-0001-P1</OrgnlPmtInfId>
      <TxInfAndSts><StsId>1</StsId><OrgnlEndToEndId>PAYOUT-0001</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
      <TxInfAndSts><StsId>2</StsId><OrgnlEndToEndId>PAYOUT-0002</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>ACCOUNT CLOSED</AddtlInf></StsRsnInf></TxInfAndSts>
      <TxInfAndSts><StsId>3</StsId><OrgnlEndToEndId>PAYOUT-0003</OrgnlEndToEndId><TxSts>ACSP</TxSts></TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>`;

test('pain.002.001.03 from a bank: per-payment statuses and reasons', () => {
  const r = parsePain002(BANK_V03);
  assert.equal(r.version, '002.001.03');
  assert.equal(r.originalMessageId, 'RPPAIN-20261125-0001');
  assert.equal(r.groupStatus, 'PART');
  assert.deepEqual(
    r.payments.map((p) => [p.endToEndId, p.status, p.reasonCode ?? null]),
    [
      ['PAYOUT-0001', 'ACSC', null],
      ['PAYOUT-0002', 'RJCT', 'AC04'],
      ['PAYOUT-0003', 'ACSP', null],
    ],
  );
  assert.equal(r.payments[1]!.additionalInfo, 'ACCOUNT CLOSED');
  assert.deepEqual(r.payments.map((p) => (p.status === 'UNKNOWN' ? 'pending' : paymentOutcome(p.status))), ['settled', 'rejected', 'pending']);
});

for (const version of ['002.001.03', '002.001.10'] as Pain002Version[]) {
  test(`pain.${version}: build → parse round trip, group-level rejection`, () => {
    const xml = buildPain002({
      version,
      messageId: 'SBX-STS-1',
      createdAt: '2026-11-25T10:00:00Z',
      originalMessageId: 'RPPAIN-1',
      originalMessageName: 'pain.001.001.09',
      lines: [
        { endToEndId: 'P1', status: 'ACCP' },
        { endToEndId: 'P2', status: 'RJCT', reasonCode: 'AM04', additionalInfo: 'sandbox told to reject' },
      ],
    });
    assert.match(xml, new RegExp(`xmlns="urn:iso:std:iso:20022:tech:xsd:pain\\.${version.replace(/\./g, '\\.')}"`));
    const r = parsePain002(xml);
    assert.equal(r.version, version);
    assert.deepEqual(r.payments.map((p) => [p.status, p.reasonCode ?? null]), [['ACCP', null], ['RJCT', 'AM04']]);
    const whole = parsePain002(buildPain002({ version, messageId: 'S2', createdAt: '2026-11-25T10:00:00Z', originalMessageId: 'RPPAIN-2', originalMessageName: 'pain.001.001.03', groupStatus: 'RJCT', lines: [] }));
    assert.equal(whole.groupStatus, 'RJCT');
    assert.equal(whole.payments.length, 0);
  });
}

test('unknown statuses are never settled; hostile reports are refused', () => {
  const r = parsePain002(BANK_V03.replace('<TxSts>ACSC</TxSts>', '<TxSts>XXXX</TxSts>'));
  assert.equal(r.payments[0]!.status, 'UNKNOWN');
  const refuse = (xml: string, code: string): void => {
    assert.throws(() => parsePain002(xml), (e: unknown) => (e instanceof BankingError || e instanceof XmlError) && e.code === code, code);
  };
  refuse(BANK_V03.replace('pain.002.001.03', 'pain.002.001.05'), 'PAIN002_NAMESPACE_UNSUPPORTED');
  refuse(BANK_V03.replace('pain.002.001.03', 'pain.001.001.03'), 'PAIN002_NAMESPACE_UNSUPPORTED');
  refuse(BANK_V03.replace('<OrgnlMsgId>RPPAIN-20261125-0001</OrgnlMsgId>', ''), 'PAIN002_STRUCTURE');
  refuse(BANK_V03.replace('<OrgnlEndToEndId>PAYOUT-0003</OrgnlEndToEndId>', ''), 'PAIN002_STRUCTURE');
  refuse(BANK_V03.replace('PAYOUT-0003', 'PAYOUT-0001'), 'PAIN002_DUPLICATE');
  refuse(BANK_V03.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><?xml-stylesheet href="x"?>'), 'XML_PI_REFUSED');
});
