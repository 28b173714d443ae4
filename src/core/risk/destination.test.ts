import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreError } from '../errors.ts';
import { checkDestination, checkLabel, isValidIban } from './destination.ts';

test('IBAN: ISO 13616 mod-97 with the SWIFT IBAN registry examples', () => {
  // Examples from the SWIFT IBAN registry (electronic format).
  for (const iban of ['AE070331234567890123456', 'GB29NWBK60161331926819', 'DE89370400440532013000', 'SA0380000000608010167519', 'FR1420041010050500013M02606']) {
    assert.equal(isValidIban(iban), true, iban);
  }
  for (const iban of [
    'AE070331234567890123457', // check digits wrong
    'AE07033123456789012345', // UAE IBANs are 23 characters
    'AE07033123456789012345A', // UAE BBAN is digits only
    'ae070331234567890123456', // electronic format is upper case
    'AE07 0331 2345 6789 0123 456', // print format: the API normalises first
    'GB29NWBK6016133192681',
    '',
    'XX',
  ]) {
    assert.equal(isValidIban(iban), false, iban);
  }
});

test('destinations: IBANs for AED, 8..128 alphanumerics for crypto, typed errors otherwise', () => {
  assert.equal(checkDestination('AED', 'AE070331234567890123456'), 'AE070331234567890123456');
  assert.equal(checkDestination('BTC', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'), 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq');
  for (const [asset, d] of [
    ['AED', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ['BTC', 'AE07 0331'],
    ['BTC', 'short'],
    ['ETH', '0x'.padEnd(200, 'a')],
    ['ETH', '0x5290\u0000'],
    ['ETH', 42],
    ['ETH', ''],
  ] as const) {
    assert.throws(() => checkDestination(asset, d), (e: unknown) => e instanceof CoreError && e.code === 'DESTINATION_INVALID');
  }
  assert.equal(checkLabel(''), '');
  assert.throws(() => checkLabel('x'.repeat(65)), CoreError);
  assert.throws(() => checkLabel('a\nb'), CoreError);
  assert.throws(() => checkLabel(null), CoreError);
});
