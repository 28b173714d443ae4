import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import type { AuditInput } from './audit.ts';
import { parseEmiratesId } from './emiratesId.ts';
import { IdentityError, isIdentityError } from './errors.ts';
import { assertStaffCan, type StaffRole } from './roles.ts';

/**
 * KYC profile validation and review workflow. The profile is what the customer
 * declares; documents and screening live elsewhere. Only compliance staff change
 * the status (roles.ts: 'kyc.review'), never on their own account, and every
 * change yields an audit entry.
 */

/** ISO 3166-1 alpha-2: the 249 officially assigned codes. */
export const ISO_3166_ALPHA2: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
    'UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

export const EMIRATES = ['abu_dhabi', 'dubai', 'sharjah', 'ajman', 'umm_al_quwain', 'ras_al_khaimah', 'fujairah'] as const;
export const KYC_AGE_MIN_YEARS = 18;
/** Calendar dates are judged in Asia/Dubai (UTC+4, no daylight saving). */
const UAE_OFFSET_MS = 4 * 60 * 60_000;

// Letters and combining marks of any script, separated by single spaces, hyphens,
// apostrophes or periods, as printed on the Emirates ID (English or Arabic side).
const NAME_RE = /^\p{L}[\p{L}\p{M}]*(?:(?:[ '’.-]|\. )[\p{L}\p{M}]+)*\.?$/u;

function isoCode(what: string) {
  return z
    .string()
    .max(2)
    .refine((c) => ISO_3166_ALPHA2.has(c), { message: `${what} must be an ISO 3166-1 alpha-2 code (uppercase)` });
}

function calendarDate(text: string): { y: number; m: number; d: number } | null {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return { y, m: mo, d };
}

/** Age in whole years on the UAE calendar day of nowMs (a 29 Feb birthday turns over on 1 Mar). */
export function ageYears(dateOfBirth: string, nowMs: number): number {
  const b = calendarDate(dateOfBirth);
  assert(b !== null, 'ageYears needs a valid date');
  const now = new Date(nowMs + UAE_OFFSET_MS);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const d = now.getUTCDate();
  return y - b.y - (m < b.m || (m === b.m && d < b.d) ? 1 : 0);
}

export function kycProfileSchema(nowMs: number) {
  return z
    .object({
      fullName: z
        .string()
        .max(200)
        .transform((s) => s.normalize('NFC').trim())
        .pipe(z.string().min(2).max(100).regex(NAME_RE, 'full name: letters separated by single spaces, hyphens, apostrophes or periods')),
      emiratesId: z
        .string()
        .max(32)
        .transform((s, ctx) => {
          try {
            return parseEmiratesId(s, nowMs).digits;
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: isIdentityError(e) ? e.code : 'EMIRATES_ID_FORMAT' });
            return z.NEVER;
          }
        }),
      dateOfBirth: z
        .string()
        .max(10)
        .refine((s) => calendarDate(s) !== null, 'date of birth must be a real YYYY-MM-DD date')
        .refine((s) => calendarDate(s) === null || calendarDate(s)!.y >= 1900, 'date of birth before 1900')
        .refine((s) => calendarDate(s) === null || ageYears(s, nowMs) >= KYC_AGE_MIN_YEARS, `must be at least ${KYC_AGE_MIN_YEARS} years old`),
      nationality: isoCode('nationality'),
      residency: z
        .object({ countryCode: isoCode('residency country'), emirate: z.enum(EMIRATES).optional() })
        .strict()
        .refine((r) => (r.countryCode === 'AE') === (r.emirate !== undefined), 'emirate is required for UAE residents and only for them'),
      /** Own bank IBAN: format only here; full ISO 13616 validation is src/banking/iban.ts. */
      iban: z
        .string()
        .max(64)
        .transform((s) => s.replace(/ /g, '').toUpperCase())
        .pipe(z.string().regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'IBAN format: 2 letters, 2 digits, 11–30 alphanumerics')),
    })
    .strict()
    .superRefine((p, ctx) => {
      // The Emirates ID embeds the year of birth: it must agree with the declared date.
      const b = calendarDate(p.dateOfBirth);
      if (b && p.emiratesId.length === 15 && Number(p.emiratesId.slice(3, 7)) !== b.y) {
        ctx.addIssue({ code: 'custom', path: ['emiratesId'], message: 'Emirates ID birth year differs from date of birth' });
      }
    });
}

export type KycProfile = z.infer<ReturnType<typeof kycProfileSchema>>;

/** Validates untrusted profile input. Throws KYC_INVALID with `details.issues` [{path, message}]. */
export function parseKycProfile(input: unknown, nowMs: number): KycProfile {
  const r = kycProfileSchema(nowMs).safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new IdentityError('KYC_INVALID', 'KYC profile invalid', { issues });
  }
  return r.data;
}

export type KycStatus = 'pending' | 'approved' | 'rejected';

export interface KycRecord {
  accountId: string;
  profile: KycProfile;
  status: KycStatus;
  submittedAtMs: number;
  reviewedBy: string | null;
  reviewedAtMs: number | null;
  reason: string | null;
  version: number;
}

/**
 * Allowed status changes by compliance: pending → approved | rejected, and
 * approved → rejected (revocation, e.g. after a screening hit). rejected → pending
 * only through resubmitKyc by the customer with a new profile.
 */
const REVIEW_TRANSITIONS: Readonly<Record<KycStatus, readonly KycStatus[]>> = {
  pending: ['approved', 'rejected'],
  approved: ['rejected'],
  rejected: [],
};

const snap = (r: KycRecord) => ({ accountId: r.accountId, status: r.status, reason: r.reason, version: r.version });

export function submitKyc(accountId: string, input: unknown, nowMs: number, ip = ''): { record: KycRecord; audit: AuditInput } {
  const profile = parseKycProfile(input, nowMs);
  const record: KycRecord = { accountId, profile, status: 'pending', submittedAtMs: nowMs, reviewedBy: null, reviewedAtMs: null, reason: null, version: 1 };
  return { record, audit: { atMs: nowMs, actor: accountId, action: 'kyc.submit', ip, before: null, after: snap(record) } };
}

export function resubmitKyc(record: KycRecord, input: unknown, nowMs: number, ip = ''): { record: KycRecord; audit: AuditInput } {
  if (record.status !== 'rejected') throw new IdentityError('KYC_TRANSITION_INVALID', `cannot resubmit a ${record.status} profile`);
  const profile = parseKycProfile(input, nowMs);
  const next: KycRecord = { ...record, profile, status: 'pending', submittedAtMs: nowMs, reviewedBy: null, reviewedAtMs: null, reason: null, version: record.version + 1 };
  return { record: next, audit: { atMs: nowMs, actor: record.accountId, action: 'kyc.resubmit', ip, before: snap(record), after: snap(next) } };
}

export function reviewKyc(
  record: KycRecord,
  input: { reviewer: { id: string; role: StaffRole; accountId?: string }; decision: 'approved' | 'rejected'; reason?: string; nowMs: number; ip?: string },
): { record: KycRecord; audit: AuditInput } {
  const { reviewer, decision } = input;
  assertStaffCan(reviewer.role, 'kyc.review');
  if (reviewer.id === record.accountId || reviewer.accountId === record.accountId) {
    throw new IdentityError('KYC_TRANSITION_INVALID', 'staff cannot review their own KYC');
  }
  if (decision !== 'approved' && decision !== 'rejected') throw new IdentityError('KYC_TRANSITION_INVALID', 'decision must be approved or rejected');
  if (!REVIEW_TRANSITIONS[record.status].includes(decision)) {
    throw new IdentityError('KYC_TRANSITION_INVALID', `cannot go from ${record.status} to ${decision}`);
  }
  const reason = input.reason?.trim() ?? '';
  if (decision === 'rejected' && (reason.length === 0 || reason.length > 500)) {
    throw new IdentityError('KYC_TRANSITION_INVALID', 'a rejection needs a reason (1..500 characters)');
  }
  const next: KycRecord = { ...record, status: decision, reviewedBy: reviewer.id, reviewedAtMs: input.nowMs, reason: reason || null, version: record.version + 1 };
  return {
    record: next,
    audit: { atMs: input.nowMs, actor: reviewer.id, action: decision === 'approved' ? 'kyc.approve' : 'kyc.reject', ip: input.ip ?? '', before: snap(record), after: snap(next) },
  };
}
