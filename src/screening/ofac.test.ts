import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { XmlError } from '../shared/xml.ts';
import { Blocklist } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import { importOfac, parseOfacSdnXml } from './ofac.ts';

const sample = readFileSync(new URL('./fixtures/sdn_sample.xml', import.meta.url), 'utf8');

test('parses the real-format SDN sample: XBT→BTC and ETH imported, others reported', () => {
  const r = parseOfacSdnXml(sample);
  assert.equal(r.publishDate, '11/21/2024');
  assert.equal(r.recordCount, 4);
  assert.equal(r.entriesSeen, 4);
  assert.equal(r.entriesWithDigitalCurrency, 3);
  assert.deepEqual(
    r.addresses.map((a) => `${a.chain} ${a.address} ${a.uid}`),
    [
      'ETH 0x098b716b8aaf21512996dc57eb0615e2383e2f96 23036',
      'ETH 0x0f827556b95b9f42c202a9a5dbf61af26d076c65 23036',
      'BTC bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu 23036',
      'BTC 1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT 35830',
      'BTC 3Fs66aKyiMwvJ3ERPHY3Jm6QtLhS2puG1W 35830',
      'ETH 0x9c689365b5e78b2bab2d1b0f4e0734540fb719f1 35830',
      'BTC bc1pt8tdmweq7nvfqlphesk4x9lefp0ldajvgv5ww39vak2usxrqaqgsqdwqfv 41240',
    ],
  );
  const garantex = r.addresses.find((a) => a.uid === '35830')!;
  assert.deepEqual(garantex.programs, ['CYBER2', 'RUSSIA-EO14024']);
  assert.match(garantex.reason, /GARANTEX EUROPE OU/);
  assert.equal(r.addresses.find((a) => a.uid === '41240')!.name, 'Aleksandr Ivanovich PETROV');
  assert.deepEqual(
    r.skipped.map((s) => `${s.uid} ${s.idType} ${s.why}`),
    [
      '35830 Digital Currency Address - USDT UNSUPPORTED_CURRENCY',
      '41240 Digital Currency Address - XMR UNSUPPORTED_CURRENCY',
      '41240 Digital Currency Address - LTC UNSUPPORTED_CURRENCY',
      '41240 Digital Currency Address - XBT ADDRESS_INVALID',
    ],
  );
});

test('optionally imports 0x-format token addresses (USDT) as ETH', () => {
  const r = parseOfacSdnXml(sample, { evmTickersAsEth: ['USDT'] });
  assert.equal(r.addresses.length, 8);
  assert.ok(r.addresses.some((a) => a.chain === 'ETH' && a.address === '0x3fd46b7f98547e8f512ecf54fce075dded3fd13e' && a.sourceRef === 'ofac:sdn:35830:160204'));
  assert.ok(!r.skipped.some((s) => s.idType.endsWith('USDT')));
});

test('import is idempotent and sync de-lists addresses OFAC removed (recorded)', () => {
  const b = new Blocklist();
  const r = parseOfacSdnXml(sample);
  assert.deepEqual(importOfac(b, r, { atMs: 10, by: 'ofac-job' }), { added: 7, alreadyListed: 0, delisted: 0 });
  assert.deepEqual(importOfac(b, r, { atMs: 20, by: 'ofac-job' }), { added: 0, alreadyListed: 7, delisted: 0 });
  assert.equal(b.lookupAddress('ETH', '0x098B716B8Aaf21512996dC57EB0615e2383E2f96')[0]!.sourceRef, 'ofac:sdn:23036:140012');
  const without = sample.replace(/<id>\s*<uid>160202<\/uid>[\s\S]*?<\/id>/, '');
  assert.deepEqual(importOfac(b, parseOfacSdnXml(without), { atMs: 30, by: 'ofac-job', sync: true }), { added: 0, alreadyListed: 6, delisted: 1 });
  assert.equal(b.isListed('BTC', 'address', '3Fs66aKyiMwvJ3ERPHY3Jm6QtLhS2puG1W'), false);
  assert.equal(b.export().entries.length, 7);
});

test('hostile XML is refused before parsing and changes nothing', () => {
  const b = new Blocklist();
  const xxe = `<?xml version="1.0"?><!DOCTYPE sdnList [<!ENTITY x SYSTEM "file:///etc/passwd">]><sdnList xmlns="http://tempuri.org/sdnList.xsd"><sdnEntry><uid>1</uid><lastName>&x;</lastName></sdnEntry></sdnList>`;
  assert.throws(() => importOfac(b, parseOfacSdnXml(xxe), { atMs: 1, by: 'x' }), (e: unknown) => e instanceof XmlError && e.code === 'XML_DTD_REFUSED');
  const lol = sample.replace('<sdnList ', '<!ENTITY lol "lol"><sdnList ');
  assert.throws(() => parseOfacSdnXml(lol), (e: unknown) => e instanceof XmlError);
  assert.throws(() => parseOfacSdnXml(sample, { bytesMax: 1000 }), (e: unknown) => e instanceof XmlError && e.code === 'XML_TOO_LARGE');
  assert.equal(b.size, 0);
});

test('wrong root, wrong namespace, missing uid are typed format errors', () => {
  const c = (e: unknown) => e instanceof ScreeningError && e.code === 'OFAC_FORMAT';
  assert.throws(() => parseOfacSdnXml('<list/>'), c);
  assert.throws(() => parseOfacSdnXml('<sdnList xmlns="urn:evil"><sdnEntry><uid>1</uid></sdnEntry></sdnList>'), c);
  assert.throws(() => parseOfacSdnXml('<sdnList xmlns="http://tempuri.org/sdnList.xsd"><sdnEntry><lastName>X</lastName></sdnEntry></sdnList>'), c);
  const empty = parseOfacSdnXml('<sdnList xmlns="http://tempuri.org/sdnList.xsd"></sdnList>');
  assert.equal(empty.addresses.length, 0);
});
