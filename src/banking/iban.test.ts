import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BankingError } from './errors.ts';
import { checkIban, formatIbanPrint, IBAN_LENGTH_BY_COUNTRY, ibanCheckDigits, isValidIban, makeIban, makeUaeIban, parseIban } from './iban.ts';

// Examples published in the SWIFT IBAN registry (one per country) and the ISO 13616 / ECBS documents.
const REGISTRY_EXAMPLES = [
  'AE070331234567890123456',
  'GB29NWBK60161331926819',
  'GB82WEST12345698765432',
  'DE89370400440532013000',
  'FR1420041010050500013M02606',
  'NL91ABNA0417164300',
  'BE68539007547034',
  'CH9300762011623852957',
  'SA0380000000608010167519',
  'QA58DOHB00001234567890ABCDEFG',
  'BH67BMAG00001299123456',
  'KW81CBKU0000000000001234560101',
  'NO9386011117947',
  'IT60X0542811101000000123456',
  'ES9121000418450200051332',
  'MT84MALT011000012345MTLCAST001S',
  'JO94CBJO0010000000000131000302',
  'SA4420000001234567891234',
];

test('SWIFT registry examples validate, electronic and print format', () => {
  for (const iban of REGISTRY_EXAMPLES) {
    assert.equal(isValidIban(iban), true, iban);
    assert.equal(isValidIban(formatIbanPrint(iban)), true, formatIbanPrint(iban));
    assert.equal(isValidIban(iban.toLowerCase()), true);
  }
  assert.equal(formatIbanPrint('AE070331234567890123456'), 'AE07 0331 2345 6789 0123 456');
});

test('UAE structure: bank code and 16-digit account are split out', () => {
  const v = parseIban('AE07 0331 2345 6789 0123 456');
  assert.equal(v.iban, 'AE070331234567890123456');
  assert.equal(v.uae?.bankCode, '033');
  assert.equal(v.uae?.accountNumber, '1234567890123456');
  assert.equal(v.uae?.bank?.code, '033');
  const unknownBank = parseIban(makeUaeIban('999', 42n));
  assert.equal(unknownBank.uae?.bank, undefined, 'unknown bank codes are labelled, not refused');
});

test('invalid IBANs give typed codes', () => {
  const cases: [unknown, string][] = [
    ['AE070331234567890123457', 'IBAN_CHECKSUM'],
    ['AE170331234567890123456', 'IBAN_CHECKSUM'],
    ['AE07033123456789012345', 'IBAN_LENGTH'],
    ['AE0703312345678901234567', 'IBAN_LENGTH'],
    ['GB82WEST12345698765433', 'IBAN_CHECKSUM'],
    ['DE89370400440532013001', 'IBAN_CHECKSUM'],
    ['XX89370400440532013000', 'IBAN_COUNTRY_UNKNOWN'],
    ['US12345678901234', 'IBAN_COUNTRY_UNKNOWN'],
    ['AE07-0331-2345-6789-0123-456', 'IBAN_FORMAT'],
    ['AE07  0331 2345 6789 0123 456', 'IBAN_FORMAT'],
    [' AE070331234567890123456', 'IBAN_FORMAT'],
    ['AE07\u00a00331234567890123456', 'IBAN_FORMAT'],
    ['ＡＥ070331234567890123456', 'IBAN_FORMAT'],
    ['', 'IBAN_LENGTH'],
    ['A'.repeat(65), 'IBAN_LENGTH'],
    [12345, 'IBAN_FORMAT'],
    [null, 'IBAN_FORMAT'],
    ['AE0A0331234567890123456', 'IBAN_FORMAT'],
  ];
  for (const [input, code] of cases) {
    const r = checkIban(input);
    assert.equal(r.ok, false, String(input));
    if (!r.ok) assert.equal(r.code, code, String(input));
  }
  // An AE IBAN with a letter in the BBAN can still satisfy mod 97; the UAE structure check catches it.
  const bban = '033123456789012345A';
  const withLetter = `AE${ibanCheckDigits('AE', bban)}${bban}`;
  const r = checkIban(withLetter);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, 'IBAN_BBAN_FORMAT');
  assert.throws(() => parseIban('AE070331234567890123457'), (e: unknown) => e instanceof BankingError && e.code === 'IBAN_CHECKSUM');
});

test('check digit generation reproduces the registry examples', () => {
  for (const iban of REGISTRY_EXAMPLES) assert.equal(ibanCheckDigits(iban.slice(0, 2), iban.slice(4)), iban.slice(2, 4), iban);
  assert.equal(makeUaeIban('033', '1234567890123456'), 'AE070331234567890123456');
});

test('property: generated IBANs validate; any single-character substitution or adjacent swap is caught', () => {
  const uae = fc.tuple(fc.stringMatching(/^[0-9]{3}$/), fc.stringMatching(/^[0-9]{16}$/));
  fc.assert(
    fc.property(uae, fc.nat(), fc.nat(), (parts, p, d) => {
      const iban = makeUaeIban(parts[0], parts[1]);
      assert.equal(iban.length, 23);
      assert.equal(isValidIban(iban), true);
      const i = 2 + (p % 21); // mutate within check digits and BBAN
      const orig = iban[i]!;
      const repl = String((Number(orig) + 1 + (d % 9)) % 10);
      assert.equal(isValidIban(iban.slice(0, i) + repl + iban.slice(i + 1)), false);
      const j = 4 + (p % 18);
      if (iban[j] !== iban[j + 1]) {
        const swapped = iban.slice(0, j) + iban[j + 1] + iban[j] + iban.slice(j + 2);
        assert.equal(isValidIban(swapped), false);
      }
    }),
    { numRuns: 300 },
  );
});

test('every country in the length table round-trips through makeIban', () => {
  for (const [country, len] of Object.entries(IBAN_LENGTH_BY_COUNTRY)) {
    const iban = makeIban(country, '1'.repeat(len - 4));
    assert.equal(iban.length, len);
  }
});
