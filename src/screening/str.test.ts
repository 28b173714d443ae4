import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseSafeXml } from '../shared/xml.ts';
import { ScreeningError } from './errors.ts';
import type { StrReport } from './str.ts';
import { buildStrXml, el, escapeXmlText, renderXml } from './str.ts';

const report = (over: Partial<StrReport> = {}): StrReport => ({
  rentityId: '100234',
  submissionCode: 'E',
  entityReference: 'CASE-1',
  submissionDateMs: Date.UTC(2026, 10, 25, 10, 0, 0),
  reportingPerson: { kind: 'person', firstName: 'Layla', lastName: 'Haddad', occupation: 'MLRO', email: 'mlro@rampart.example' },
  location: { address: 'Office 12, Level 3, Gate Building, DIFC', city: 'Dubai', countryCode: 'AE' },
  reason: 'Deposit traced two hops from an address listed after the 2026-11-24 incident; haircut exposure 1500 bps.',
  action: 'Deposit frozen; case CASE-1 opened; customer not informed (tipping-off).',
  transactions: [
    {
      transactionNumber: 'dd'.repeat(32),
      internalRef: 'dep-778',
      description: 'BTC deposit to customer wallet',
      dateMs: Date.UTC(2026, 10, 25, 9, 0, 0),
      transmodeCode: 'VA',
      amountLocalFils: 1_234_567_89n,
      asset: { chain: 'BTC', amountUnits: 60_000_000n },
      fundsCode: 'K',
      from: { kind: 'account', institutionName: 'Unhosted wallet', account: 'bc1qt8tdmweq7nvfqlphesk4x9lefp0ldajvd485wx', currencyCode: 'BTC' },
      fromCountry: 'AE',
      fromIsMyClient: false,
      to: { kind: 'account', institutionName: 'Rampart', account: 'bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3', currencyCode: 'BTC', holder: { kind: 'person', firstName: `O'Brien <b>&`, lastName: 'Smith "Jr"', birthDate: '1990-01-31', nationality: 'IE' } },
      toCountry: 'AE',
      toIsMyClient: true,
    },
  ],
  indicators: ['VA-STOLEN-FUNDS'],
  ...over,
});

test('builds a goAML-style STR that parses back with the same values (escaping is lossless)', () => {
  const xml = buildStrXml(report());
  const doc = parseSafeXml(xml) as { report: Record<string, unknown> };
  const r = doc.report;
  assert.equal(r.rentity_id, '100234');
  assert.equal(r.report_code, 'STR');
  assert.equal(r.submission_code, 'E');
  assert.equal(r.submission_date, '2026-11-25T10:00:00');
  assert.equal(r.currency_code_local, 'AED');
  const t = r.transaction as Record<string, Record<string, unknown>>;
  assert.equal(t.amount_local as unknown, '1234567.89');
  assert.deepEqual(t.t_from!.from_foreign_currency, { foreign_currency_code: 'BTC', foreign_amount: '0.6' });
  const to = t.t_to_my_client!.to_account as Record<string, Record<string, Record<string, string>>>;
  assert.equal(to.signatory!.t_person!.first_name, `O'Brien <b>&`);
  assert.equal(to.signatory!.t_person!.last_name, 'Smith "Jr"');
  assert.ok(xml.includes('O&apos;Brien &lt;b&gt;&amp;'));
});

test('refuses characters XML cannot carry, bad codes, missing fields; nothing partial is returned', () => {
  const c = (e: unknown) => e instanceof ScreeningError && e.code === 'STR_INVALID';
  assert.throws(() => buildStrXml(report({ reason: 'bell\u0007' })), c);
  assert.throws(() => buildStrXml(report({ reason: 'lone \ud800 surrogate' })), c);
  assert.throws(() => buildStrXml(report({ rentityId: 'ABC' })), c);
  assert.throws(() => buildStrXml(report({ transactions: [] })), c);
  assert.throws(() => buildStrXml(report({ location: { address: 'x', city: 'y', countryCode: 'UAE' } })), c);
  assert.throws(() => buildStrXml(report({ action: '  ' })), c);
  assert.throws(() => el('bad name', 'x'));
});

test('property: any valid text survives escape → parse unchanged', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      let escaped: string;
      try {
        escaped = escapeXmlText(s);
      } catch (e) {
        return e instanceof ScreeningError;
      }
      const trimmed = s.trim();
      const parsed = parseSafeXml(renderXml(el('a', s))) as { a: unknown };
      return !/[<>]/.test(escaped) && (trimmed === '' || parsed.a === trimmed);
    }),
    { numRuns: 300 },
  );
});
