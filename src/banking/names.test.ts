import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalNameTokens, matchNames, VARIANTS } from './names.ts';

const same = (a: string, b: string): void => {
  const r = matchNames(a, b);
  assert.equal(r.match, true, `${a} ~ ${b}: ${JSON.stringify(r)} ${canonicalNameTokens(a)} | ${canonicalNameTokens(b)}`);
};
const differ = (a: string, b: string): void => {
  const r = matchNames(a, b);
  assert.equal(r.match, false, `${a} !~ ${b}: ${canonicalNameTokens(a)} | ${canonicalNameTokens(b)}`);
};

test('transliteration variants of the same Arabic names match', () => {
  same('Mohammed Abdullah Al-Mansoori', 'MUHAMMAD ABDALLAH AL MANSOURI');
  same('Mohamed Hussein', 'Muhammad Hussain');
  same('Mohammad Husain', 'MOHD HUSSEIN');
  same('Yousef Ibrahim', 'Yusuf Ebrahim');
  same('Youssef Ibraheem', 'yousif ibrahim');
  same('Abdul Rahman Khalid', 'Abdulrahman Khaled');
  same('Abd al-Rahman Khalid', 'Abdel Rahman Khaled');
  same('Abdurrahman Khalid', 'ABD AR RAHMAN KHALED');
  same('Muhammad Abd al-Rahman bin Saeed', 'Mohammed Abdulrahman Said');
  same('Fatima Hussain', 'FATIMA HUSSEIN');
  same('Fatimah Hussain', 'Fatma Husein');
  same('Omar ibn Khattab', 'Umar bin Khattab');
  same('Omar El-Sayed', 'Omar Sayed');
  same('Aisha Al Suwaidi', 'Ayesha Suwaidi');
});

test('case, spacing, punctuation, diacritics and word order do not matter', () => {
  same('Jean-Luc Picard', 'PICARD JEAN LUC');
  same('  José   Núñez ', 'jose nunez');
  same("O'Brien, Mary", 'Mary OBrien'.replace('OB', "O'B"));
  same('Hussain, Mohammed', 'Mohammed Hussain');
});

test('banks printing a subset of the names still match (shorter side has two or more tokens)', () => {
  same('Mohammed Abdullah Saeed Al Mansoori', 'MOHAMMED ABDULLAH AL-MANSOORI');
  same('Mohammed Abdullah Saeed Al Mansoori', 'Mohammed Mansoori');
  differ('Mohammed Abdullah Saeed Al Mansoori', 'Mohammed');
});

test('a payer name cut at 35 characters loses its partial last word, then the subset rule applies', () => {
  const kyc = 'Mohammed Abdullah Saeed Rashid Al Mansoori';
  const cut = 'MOHAMMED ABDULLAH SAEED RASHID AL M';
  assert.equal(cut.length, 35);
  same(kyc, cut);
  differ(kyc, 'MOHAMMED ABDULLAH SAEED RASHID AL M'.padEnd(36, 'X'));
});

test('different people and companies do not match, with a reason', () => {
  const r = matchNames('Fatima Hussain', 'Fatima Hassan');
  assert.deepEqual(r, { match: false, reason: 'TOKENS_DIFFER', missing: ['husain'], extra: ['hasan'] });
  differ('Mohammed Abdullah Al-Mansoori', 'GENERAL TRADING LLC');
  differ('Ali Hassan', 'Ali Hussain');
  differ('Abdul Aziz Omar', 'Abdul Karim Omar');
  differ('Ahmed Khalid', 'Khalid Mahmoud');
  assert.deepEqual(matchNames('Ali Hassan', ''), { match: false, reason: 'EMPTY_NAME', missing: [], extra: [] });
  assert.deepEqual(matchNames('Ali Hassan', undefined), { match: false, reason: 'EMPTY_NAME', missing: [], extra: [] });
  assert.deepEqual(matchNames('Ali Hassan', '...'), { match: false, reason: 'EMPTY_NAME', missing: [], extra: [] });
});

test('Arabic script compares as Arabic; Arabic against Latin is a script mismatch', () => {
  same('محمد عبدالله المنصوري', 'مُحَمَّد عبدالله منصوري');
  same('فاطمة حسين', 'فاطمه حسين');
  assert.deepEqual(matchNames('Mohammed Ali', 'محمد علي'), { match: false, reason: 'SCRIPT_MISMATCH', missing: [], extra: [] });
});

test('property: every variant in the table canonicalises to its key; matching is symmetric and order-free', () => {
  for (const [canon, vs] of Object.entries(VARIANTS)) {
    for (const v of vs) assert.deepEqual(canonicalNameTokens(v), canonicalNameTokens(canon), v);
  }
  const word = fc.stringMatching(/^[A-Za-z]{2,10}$/);
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), fc.array(word, { minLength: 1, maxLength: 5 }), (a, b) => {
      const x = a.join(' ');
      const y = b.join(' ');
      assert.equal(matchNames(x, y).match, matchNames(y, x).match);
      // A name made only of particles/articles ("bin al") has no tokens and never matches.
      const nonEmpty = canonicalNameTokens(x).length > 0;
      assert.equal(matchNames(x, [...a].reverse().join(' ')).match, nonEmpty);
      assert.equal(matchNames(x, x.toUpperCase()).match, nonEmpty);
    }),
    { numRuns: 200 },
  );
});
