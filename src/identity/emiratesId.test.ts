import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentityError } from './errors.ts';
import { luhnCheckDigit, luhnValid, makeEmiratesId, parseEmiratesId } from './emiratesId.ts';

const NOW = Date.UTC(2026, 10, 25);

test('Luhn: textbook vectors', () => {
  // ISO/IEC 7812 examples widely published: 79927398713 is valid; 4111 1111 1111 1111 valid.
  assert.equal(luhnCheckDigit('7992739871'), 3);
  assert.ok(luhnValid('79927398713'));
  assert.ok(!luhnValid('79927398710'));
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(!luhnValid(''));
  assert.ok(!luhnValid('12a'));
});

test('valid Emirates IDs, with and without dashes', () => {
  const id = makeEmiratesId(1990, 1234567);
  assert.equal(id.length, 15);
  const dashed = `${id.slice(0, 3)}-${id.slice(3, 7)}-${id.slice(7, 14)}-${id.slice(14)}`;
  const a = parseEmiratesId(id, NOW);
  const b = parseEmiratesId(dashed, NOW);
  const c = parseEmiratesId(`  ${dashed}\n`, NOW);
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  assert.equal(a.digits, id);
  assert.equal(a.formatted, dashed);
  assert.equal(a.birthYear, 1990);
});

test('property: every generated ID parses; every single-digit change is refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1900, max: 2026 }), fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 1, max: 9 }), (year, serial, pos, delta) => {
      const id = makeEmiratesId(year, serial);
      assert.equal(parseEmiratesId(id, NOW).birthYear, year);
      const d = (Number(id[pos]) + delta) % 10;
      const mutated = id.slice(0, pos) + d + id.slice(pos + 1);
      // Luhn detects every single-digit error; a change in 784 or the year may be caught earlier.
      assert.throws(() => parseEmiratesId(mutated, NOW), (e) => isIdentityError(e));
    }),
    { numRuns: 300 },
  );
});

test('property: adjacent transpositions (except 0↔9) are detected', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1900, max: 2026 }), fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 7, max: 13 }), (year, serial, pos) => {
      const id = makeEmiratesId(year, serial);
      const a = id[pos]!;
      const b = id[pos + 1]!;
      if (a === b || (a === '0' && b === '9') || (a === '9' && b === '0')) return;
      const swapped = id.slice(0, pos) + b + a + id.slice(pos + 2);
      assert.throws(() => parseEmiratesId(swapped, NOW), (e) => isIdentityError(e, 'EMIRATES_ID_CHECKSUM'));
    }),
    { numRuns: 200 },
  );
});

test('invalid Emirates IDs: typed errors', () => {
  const id = makeEmiratesId(1985, 7654321);
  const cases: [unknown, string][] = [
    ['', 'EMIRATES_ID_FORMAT'],
    [id.slice(0, 14), 'EMIRATES_ID_FORMAT'],
    [`${id}0`, 'EMIRATES_ID_FORMAT'],
    [`${id.slice(0, 3)} ${id.slice(3)}`, 'EMIRATES_ID_FORMAT'],
    [`${id.slice(0, 3)}-${id.slice(3, 7)}${id.slice(7)}`, 'EMIRATES_ID_FORMAT'], // partial dashes
    [`${id.slice(0, 4)}-${id.slice(4)}`, 'EMIRATES_ID_FORMAT'],
    ['784–1985–7654321–1', 'EMIRATES_ID_FORMAT'], // en dashes
    ['٧٨٤١٩٨٥٧٦٥٤٣٢١١', 'EMIRATES_ID_FORMAT'], // Arabic-Indic digits
    ['７８４１９８５７６５４３２１１', 'EMIRATES_ID_FORMAT'], // full-width
    ['784-1985-765432-11', 'EMIRATES_ID_FORMAT'],
    ['1'.repeat(1000), 'EMIRATES_ID_FORMAT'],
    [784198576543211, 'EMIRATES_ID_FORMAT'],
    [null, 'EMIRATES_ID_FORMAT'],
    [`785${id.slice(3)}`, 'EMIRATES_ID_COUNTRY'],
    [makeEmiratesId(1899, 1).replace(/^784/, '784'), 'EMIRATES_ID_YEAR'],
    [makeEmiratesId(2027, 1), 'EMIRATES_ID_YEAR'],
    [makeEmiratesId(9999, 1), 'EMIRATES_ID_YEAR'],
    [id.slice(0, 14) + ((Number(id[14]) + 1) % 10), 'EMIRATES_ID_CHECKSUM'],
  ];
  for (const [input, code] of cases) {
    assert.throws(() => parseEmiratesId(input, NOW), (e) => isIdentityError(e) && e.code === code, `${String(input)} → ${code}`);
  }
  // Year bound follows nowMs: a 2026 birth year is invalid in 2025.
  assert.throws(() => parseEmiratesId(makeEmiratesId(2026, 5), Date.UTC(2025, 0, 1)), (e) => isIdentityError(e, 'EMIRATES_ID_YEAR'));
});
