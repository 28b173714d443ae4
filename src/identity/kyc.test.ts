import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAudit } from './audit.ts';
import { isIdentityError, type IdentityErrorCode } from './errors.ts';
import { makeEmiratesId } from './emiratesId.ts';
import { ageYears, ISO_3166_ALPHA2, type KycRecord, parseKycProfile, resubmitKyc, reviewKyc, submitKyc } from './kyc.ts';

const expectCode = (fn: () => unknown, code: IdentityErrorCode, msg?: string) => assert.throws(fn, (e) => isIdentityError(e, code), msg ?? code);
const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const eid = makeEmiratesId(1990, 1234567);
const good = {
  fullName: 'Fatima Al-Mansouri',
  emiratesId: `${eid.slice(0, 3)}-${eid.slice(3, 7)}-${eid.slice(7, 14)}-${eid.slice(14)}`,
  dateOfBirth: '1990-05-17',
  nationality: 'AE',
  residency: { countryCode: 'AE', emirate: 'dubai' },
  iban: 'AE07 0331 2345 6789 0123 456',
};

const issuesOf = (input: unknown, nowMs = NOW): string[] => {
  try {
    parseKycProfile(input, nowMs);
    return [];
  } catch (e) {
    assert.ok(isIdentityError(e, 'KYC_INVALID'));
    return (e.details.issues as { path: string }[]).map((i) => i.path);
  }
};

test('ISO 3166-1 alpha-2 list: 249 codes, all known to ICU', () => {
  assert.equal(ISO_3166_ALPHA2.size, 249);
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  for (const c of ISO_3166_ALPHA2) assert.notEqual(names.of(c), c, c);
});

test('valid profile is normalised', () => {
  const p = parseKycProfile(good, NOW);
  assert.equal(p.emiratesId, eid);
  assert.equal(p.iban, 'AE070331234567890123456');
  assert.equal(parseKycProfile({ ...good, fullName: '  محمد بن راشد  ' }, NOW).fullName, 'محمد بن راشد');
  parseKycProfile({ ...good, fullName: "Seán O'Brien-Núñez Jr." }, NOW);
  parseKycProfile({ ...good, nationality: 'IN', residency: { countryCode: 'IN' } }, NOW);
});

test('adult check at nowMs (UAE calendar), leap-day birthdays', () => {
  const dob18 = '2008-11-25';
  const e = makeEmiratesId(2008, 1);
  assert.deepEqual(issuesOf({ ...good, emiratesId: e, dateOfBirth: dob18 }), []);
  assert.deepEqual(issuesOf({ ...good, emiratesId: e, dateOfBirth: '2008-11-26' }), ['dateOfBirth']);
  // 20:30 UTC on 24 Nov is already 25 Nov in Dubai.
  assert.equal(ageYears(dob18, Date.UTC(2026, 10, 24, 20, 30)), 18);
  assert.equal(ageYears(dob18, Date.UTC(2026, 10, 24, 19, 30)), 17);
  assert.equal(ageYears('2008-02-29', Date.UTC(2026, 1, 28, 12)), 17);
  assert.equal(ageYears('2008-02-29', Date.UTC(2026, 2, 1, 12)), 18);
});

test('hostile / invalid profiles: KYC_INVALID with the failing paths', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ fullName: 'A' }, 'fullName'],
    [{ fullName: 'Robert"); DROP TABLE users;--' }, 'fullName'],
    [{ fullName: '<script>alert(1)</script>' }, 'fullName'],
    [{ fullName: 'John  Smith' }, 'fullName'],
    [{ fullName: 'John\u0000Smith' }, 'fullName'],
    [{ fullName: 'John\u202eSmith' }, 'fullName'],
    [{ fullName: 'x'.repeat(101) }, 'fullName'],
    [{ fullName: 42 }, 'fullName'],
    [{ emiratesId: '784-1990-1234567-0' }, 'emiratesId'],
    [{ emiratesId: makeEmiratesId(1991, 5) }, 'emiratesId'], // year ≠ date of birth
    [{ dateOfBirth: '1990-02-30' }, 'dateOfBirth'],
    [{ dateOfBirth: '17/05/1990' }, 'dateOfBirth'],
    [{ dateOfBirth: '1990-05-17T00:00:00Z' }, 'dateOfBirth'],
    [{ nationality: 'ae' }, 'nationality'],
    [{ nationality: 'XX' }, 'nationality'],
    [{ nationality: 'UAE' }, 'nationality'],
    [{ nationality: '__proto__' }, 'nationality'],
    [{ residency: { countryCode: 'AE' } }, 'residency'],
    [{ residency: { countryCode: 'GB', emirate: 'dubai' } }, 'residency'],
    [{ residency: { countryCode: 'AE', emirate: 'atlantis' } }, 'residency.emirate'],
    [{ iban: 'AE07-0331-2345' }, 'iban'],
    [{ iban: '' }, 'iban'],
    [{ isAdmin: true }, ''],
  ];
  for (const [patch, path] of cases) {
    const paths = issuesOf({ ...good, ...patch });
    assert.ok(paths.includes(path), `${JSON.stringify(patch)} → ${paths.join(',')}`);
  }
  for (const bad of [null, undefined, 'x', [], 42]) assert.ok(issuesOf(bad).length > 0);
  const { dateOfBirth: _omit, ...missing } = good;
  assert.ok(issuesOf(missing).includes('dateOfBirth'));
});

test('status transitions only by compliance, never self, with audit entries', () => {
  const { record, audit } = submitKyc('acct-1', good, NOW);
  assert.equal(record.status, 'pending');
  assert.equal(audit.action, 'kyc.submit');
  const compliance = { id: 'staff-7', role: 'compliance' as const };
  for (const role of ['support', 'treasury', 'security', 'admin'] as const) {
    expectCode(() => reviewKyc(record, { reviewer: { id: 'staff-x', role }, decision: 'approved', nowMs: NOW }), 'STAFF_PERMISSION_DENIED', role);
  }
  expectCode(() => reviewKyc(record, { reviewer: { id: 's', role: 'root' as 'admin' }, decision: 'approved', nowMs: NOW }), 'ROLE_INVALID');
  expectCode(() => reviewKyc(record, { reviewer: { id: 'acct-1', role: 'compliance' }, decision: 'approved', nowMs: NOW }), 'KYC_TRANSITION_INVALID');
  expectCode(() => reviewKyc(record, { reviewer: { id: 'staff-9', role: 'compliance', accountId: 'acct-1' }, decision: 'approved', nowMs: NOW }), 'KYC_TRANSITION_INVALID');
  expectCode(() => reviewKyc(record, { reviewer: compliance, decision: 'pending' as 'approved', nowMs: NOW }), 'KYC_TRANSITION_INVALID');
  expectCode(() => reviewKyc(record, { reviewer: compliance, decision: 'rejected', nowMs: NOW }), 'KYC_TRANSITION_INVALID', 'reason required');
  const approved = reviewKyc(record, { reviewer: compliance, decision: 'approved', nowMs: NOW + 1, ip: '192.0.2.5' });
  assert.equal(approved.record.status, 'approved');
  assert.equal(approved.record.reviewedBy, 'staff-7');
  assert.equal(approved.audit.action, 'kyc.approve');
  assert.deepEqual((approved.audit.before as { status: string }).status, 'pending');
  expectCode(() => reviewKyc(approved.record, { reviewer: compliance, decision: 'approved', nowMs: NOW + 2 }), 'KYC_TRANSITION_INVALID');
  expectCode(() => resubmitKyc(approved.record, good, NOW + 2), 'KYC_TRANSITION_INVALID');
  const revoked = reviewKyc(approved.record, { reviewer: compliance, decision: 'rejected', reason: 'sanctions screening hit', nowMs: NOW + 3 });
  assert.equal(revoked.record.status, 'rejected');
  expectCode(() => reviewKyc(revoked.record, { reviewer: compliance, decision: 'approved', nowMs: NOW + 4 }), 'KYC_TRANSITION_INVALID');
  // The audit inputs chain cleanly.
  let head = appendAudit(null, audit);
  for (const a of [approved.audit, revoked.audit]) head = appendAudit(head, a);
  assert.equal(head.seq, 3);
  const again: KycRecord = resubmitKyc(revoked.record, { ...good, iban: 'AE460090000000123456789' }, NOW + 5).record;
  assert.equal(again.status, 'pending');
  assert.equal(again.version, 4);
  expectCode(() => resubmitKyc(revoked.record, { ...good, nationality: 'XX' }, NOW + 5), 'KYC_INVALID');
});
