import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BankingError } from './errors.ts';
import {
  CROCKFORD_ALPHABET,
  checkDepositReference,
  customerCodeFromNumber,
  findDepositReference,
  formatDepositReference,
  makeDepositReference,
} from './reference.ts';

const code = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{8}$/);

test('a generated reference validates in electronic, printed, lower-case and aliased forms', () => {
  const ref = makeDepositReference('7K3M9Q2X');
  assert.equal(ref.length, 12);
  assert.match(ref, /^RP7K3M9Q2X[0-9A-Z]{2}$/);
  const printed = formatDepositReference(ref);
  assert.match(printed, /^RP-7K3M-9Q2X-..$/);
  for (const form of [ref, printed, printed.toLowerCase(), ref.replace(/(.{4})/g, '$1 ')]) {
    const r = checkDepositReference(form);
    assert.deepEqual(r, { ok: true, reference: ref, customerCode: '7K3M9Q2X' }, form);
  }
  const zeros = makeDepositReference(customerCodeFromNumber(0n));
  assert.equal(checkDepositReference(zeros.replace(/0/g, 'O')).ok, true, 'O is read as 0');
  assert.equal(customerCodeFromNumber(31n), '0000000Z');
  assert.throws(() => customerCodeFromNumber(32n ** 8n), BankingError);
  assert.throws(() => makeDepositReference('7K3M9Q2'), BankingError);
  assert.throws(() => makeDepositReference('7K3M9Q2U'), BankingError);
});

test('property: every single-symbol substitution is detected (exhaustive per reference)', () => {
  fc.assert(
    fc.property(code, (c) => {
      const ref = makeDepositReference(c);
      assert.equal(checkDepositReference(ref).ok, true);
      for (let i = 2; i < ref.length; i++) {
        for (const s of CROCKFORD_ALPHABET) {
          if (s === ref[i]) continue;
          const typo = ref.slice(0, i) + s + ref.slice(i + 1);
          assert.deepEqual(checkDepositReference(typo), { ok: false, code: 'REFERENCE_CHECK_DIGIT' }, typo);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('property: every adjacent transposition of different symbols is detected', () => {
  fc.assert(
    fc.property(code, (c) => {
      const ref = makeDepositReference(c);
      for (let i = 2; i < ref.length - 1; i++) {
        if (ref[i] === ref[i + 1]) continue;
        const swapped = ref.slice(0, i) + ref[i + 1] + ref[i] + ref.slice(i + 2);
        assert.equal(checkDepositReference(swapped).ok, false, swapped);
      }
    }),
    { numRuns: 300 },
  );
});

test('malformed references are refused with a format code', () => {
  for (const bad of ['', 'RP', 'XX7K3M9Q2X41', 'RP7K3M9Q2X4', 'RP7K3M9Q2X411', 'RP7K3M9Q2U41', 'RP7K3M9Q2X4!', 'R'.repeat(100)]) {
    assert.deepEqual(checkDepositReference(bad), { ok: false, code: 'REFERENCE_FORMAT' }, bad);
  }
});

test('finding a reference in remittance text', () => {
  const ref = makeDepositReference('7K3M9Q2X');
  const other = makeDepositReference('00000042');
  const printed = formatDepositReference(ref);
  assert.deepEqual(findDepositReference([`/REF/ ${printed} deposit`]), { kind: 'found', reference: ref, customerCode: '7K3M9Q2X' });
  assert.equal(findDepositReference([`Transfer ${ref.toLowerCase()}`]).kind, 'found');
  assert.equal(findDepositReference(['part one', `ref ${ref}`]).kind, 'found');
  assert.equal(findDepositReference([`ref ${ref.slice(0, 4)} ${ref.slice(4, 8)} ${ref.slice(8)}`]).kind, 'found', 'other grouping');
  assert.equal(findDepositReference([`${ref} ${printed}`]).kind, 'found', 'same reference twice is fine');
  assert.deepEqual(findDepositReference([`${ref} and ${other}`]), { kind: 'ambiguous', references: [ref, other].sort() });
  const typo = ref.slice(0, 5) + (ref[5] === 'A' ? 'B' : 'A') + ref.slice(6);
  assert.equal(findDepositReference([`deposit ${typo}`]).kind, 'bad_check');
  assert.equal(findDepositReference([`deposit ${ref.slice(0, 11)}`]).kind, 'malformed');
  assert.equal(findDepositReference(['salary november']).kind, 'none');
  assert.equal(findDepositReference([`XRP${ref.slice(2)}`]).kind, 'none', 'must start at a word boundary');
  assert.equal(findDepositReference(['x'.repeat(5000) + ref]).kind, 'none', 'scan is bounded');
});
