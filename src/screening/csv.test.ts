import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Blocklist } from './blocklist.ts';
import { importCsv, parseBlocklistCsv } from './csv.ts';
import { ScreeningError } from './errors.ts';

test('parses quoted fields, CRLF, BOM, blank lines; imports with a per-line source ref', () => {
  const csv =
    '\uFEFFChain,Address,Reason\r\n' +
    'ETH,0x098B716B8Aaf21512996dC57EB0615e2383E2f96,"Ronin exploiter, per FBI ""attribution"""\r\n' +
    '\r\n' +
    'btc,bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu,"multi\nline reason"\n' +
    'BTC,1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT,plain\n';
  const r = parseBlocklistCsv(csv);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.rows.map((x) => [x.line, x.chain, x.address, x.reason]),
    [
      [2, 'ETH', '0x098b716b8aaf21512996dc57eb0615e2383e2f96', 'Ronin exploiter, per FBI "attribution"'],
      [4, 'BTC', 'bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu', 'multi\nline reason'],
      [6, 'BTC', '1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT', 'plain'],
    ],
  );
  const b = new Blocklist();
  assert.deepEqual(importCsv(b, r, { atMs: 5, by: 'carol', fileRef: 'partner-feed-2024-11-21.csv' }), { added: 3, alreadyListed: 0 });
  assert.equal(b.lookupAddress('BTC', '1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT')[0]!.sourceRef, 'partner-feed-2024-11-21.csv:6');
});

test('hostile rows give per-row errors and good rows still import', () => {
  const csv = [
    'chain,address,reason',
    'ETH,0x098B716B8Aaf21512996dC57EB0615e2383E2f96,=HYPERLINK("http://evil","click")',
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65,+cmd|calc',
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65,@SUM(A1)',
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65, -2+3',
    'DOGE,DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L,wrong chain',
    'ETH,0x1234,short address',
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65',
    `ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65,${'x'.repeat(3000)}`,
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65,nul\u0000byte',
    'BTC,3Fs66aKyiMwvJ3ERPHY3Jm6QtLhS2puG1W,ok row',
    'ETH,0x0f827556b95b9f42c202a9a5dbf61af26d076c65,"never closed',
    'BTC,1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT,after the bad quote: not read',
  ].join('\n');
  const r = parseBlocklistCsv(csv);
  assert.deepEqual(
    r.errors.map((e) => `${e.line} ${e.code}`),
    ['2 CSV_FORMULA_INJECTION', '3 CSV_FORMULA_INJECTION', '4 CSV_FORMULA_INJECTION', '5 CSV_FORMULA_INJECTION', '6 CSV_CHAIN_INVALID', '7 CSV_ADDRESS_INVALID', '8 CSV_FIELD_COUNT', '9 CSV_ROW_TOO_LONG', '10 CSV_CONTROL_CHAR', '12 CSV_UNTERMINATED_QUOTE'],
  );
  assert.deepEqual(r.rows.map((x) => x.line), [11]);
});

test('file-level limits: header, size, row count', () => {
  const c = (code: string) => (e: unknown) => e instanceof ScreeningError && e.code === code;
  assert.throws(() => parseBlocklistCsv(''), c('CSV_HEADER'));
  assert.throws(() => parseBlocklistCsv('address,chain,reason\n'), c('CSV_HEADER'));
  assert.throws(() => parseBlocklistCsv('chain,address,reason\n' + 'x'.repeat(200), { bytesMax: 100 }), c('CSV_TOO_LARGE'));
  const many = 'chain,address,reason\n' + 'BTC,1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT,r\n'.repeat(5);
  const r = parseBlocklistCsv(many, { rowsMax: 3 });
  assert.equal(r.rows.length, 3);
  assert.deepEqual(r.errors.map((e) => e.code), ['CSV_TOO_MANY_ROWS']);
});

test('property: arbitrary text never throws anything but a typed error, and every accepted row is well-formed', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (body) => {
      try {
        const r = parseBlocklistCsv(`chain,address,reason\n${body}`);
        return r.rows.every((x) => (x.chain === 'BTC' || x.chain === 'ETH') && !/^[=+\-@\t\r]/.test(x.reason));
      } catch (e) {
        return e instanceof ScreeningError;
      }
    }),
    { numRuns: 300 },
  );
});
