import { z } from 'zod';
import { ScreeningError } from './errors.ts';

/**
 * FATF Recommendation 16 ("Travel Rule") data for virtual-asset transfers, in the
 * interVASP Messaging Standard IVMS101 data model (Joint Working Group on interVASP
 * Messaging Standards, 2020): NaturalPerson / LegalPerson, Originator / Beneficiary with
 * accountNumber, OriginatingVASP / BeneficiaryVASP. Field names follow IVMS101 exactly so
 * a payload from TRP / TRISA / Notabene-style transports validates as is.
 *
 * Rule (Dubai VARA, Compliance & Risk Management Rulebook, Travel Rule from AED 3,500):
 * a crypto deposit or withdrawal whose AED value is at or above the threshold must carry
 * complete originator and beneficiary information, else it is held.
 */

/** AED 3,500 in fils. */
export const TRAVEL_RULE_THRESHOLD_FILS_DEFAULT = 350_000n;

const text = (max: number) => z.string().trim().min(1).max(max);
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2');

export const NaturalPersonNameTypeCode = z.enum(['ALIA', 'BIRT', 'MAID', 'LEGL', 'MISC']);
export const LegalPersonNameTypeCode = z.enum(['LEGL', 'SHRT', 'TRAD']);
export const AddressTypeCode = z.enum(['HOME', 'BIZZ', 'GEOG']);
export const NationalIdentifierTypeCode = z.enum(['ARNU', 'CCPT', 'RAID', 'DRLC', 'FIIN', 'TXID', 'SOCS', 'IDCD', 'LEIX', 'MISC']);

export const NaturalPersonNameId = z
  .object({ primaryIdentifier: text(100), secondaryIdentifier: text(100).optional(), nameIdentifierType: NaturalPersonNameTypeCode })
  .strict();
export const LocalNaturalPersonNameId = NaturalPersonNameId;

export const NaturalPersonName = z
  .object({
    nameIdentifier: z.array(NaturalPersonNameId).min(1).max(10),
    localNameIdentifier: z.array(LocalNaturalPersonNameId).max(10).optional(),
    phoneticNameIdentifier: z.array(LocalNaturalPersonNameId).max(10).optional(),
  })
  .strict();

export const GeographicAddress = z
  .object({
    addressType: AddressTypeCode,
    department: text(50).optional(),
    subDepartment: text(70).optional(),
    streetName: text(70).optional(),
    buildingNumber: text(16).optional(),
    buildingName: text(35).optional(),
    floor: text(70).optional(),
    postBox: text(16).optional(),
    room: text(70).optional(),
    postcode: text(16).optional(),
    townName: text(35),
    townLocationName: text(35).optional(),
    districtName: text(35).optional(),
    countrySubDivision: text(35).optional(),
    addressLine: z.array(text(70)).max(7).optional(),
    country,
  })
  .strict()
  // IVMS101 C8 ValidAddress: a street with a building number or name, or address lines.
  .refine((a) => (a.streetName !== undefined && (a.buildingNumber !== undefined || a.buildingName !== undefined)) || (a.addressLine?.length ?? 0) > 0, {
    message: 'C8: streetName with buildingNumber/buildingName, or addressLine, required',
  });

export const NationalIdentification = z
  .object({
    nationalIdentifier: text(35),
    nationalIdentifierType: NationalIdentifierTypeCode,
    countryOfIssue: country.optional(),
    registrationAuthority: z.string().regex(/^RA\d{6}$/).optional(),
  })
  .strict();

export const DateAndPlaceOfBirth = z
  .object({
    dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
    placeOfBirth: text(70),
  })
  .strict();

export const NaturalPerson = z
  .object({
    name: NaturalPersonName,
    geographicAddress: z.array(GeographicAddress).max(10).optional(),
    nationalIdentification: NationalIdentification.optional(),
    customerIdentification: text(50).optional(),
    dateAndPlaceOfBirth: DateAndPlaceOfBirth.optional(),
    countryOfResidence: country.optional(),
  })
  .strict();

export const LegalPersonNameId = z.object({ legalPersonName: text(100), legalPersonNameIdentifierType: LegalPersonNameTypeCode }).strict();

export const LegalPerson = z
  .object({
    name: z.object({ nameIdentifier: z.array(LegalPersonNameId).min(1).max(10), localNameIdentifier: z.array(LegalPersonNameId).max(10).optional(), phoneticNameIdentifier: z.array(LegalPersonNameId).max(10).optional() }).strict(),
    geographicAddress: z.array(GeographicAddress).max(10).optional(),
    customerNumber: text(50).optional(),
    nationalIdentification: NationalIdentification.optional(),
    countryOfRegistration: country.optional(),
  })
  .strict();

export const Person = z.union([z.object({ naturalPerson: NaturalPerson }).strict(), z.object({ legalPerson: LegalPerson }).strict()]);

export const Originator = z.object({ originatorPersons: z.array(Person).min(1).max(10), accountNumber: z.array(text(100)).max(10).optional() }).strict();
export const Beneficiary = z.object({ beneficiaryPersons: z.array(Person).min(1).max(10), accountNumber: z.array(text(100)).max(10).optional() }).strict();
export const OriginatingVASP = z.object({ originatingVASP: Person }).strict();
export const BeneficiaryVASP = z.object({ beneficiaryVASP: Person.optional() }).strict();

export const IVMS101 = z
  .object({
    originator: Originator,
    beneficiary: Beneficiary,
    originatingVASP: OriginatingVASP.optional(),
    beneficiaryVASP: BeneficiaryVASP.optional(),
  })
  .strict();

export type Ivms101 = z.infer<typeof IVMS101>;
export type Ivms101Person = z.infer<typeof Person>;

function hasLegalName(p: Ivms101Person): boolean {
  if ('naturalPerson' in p) return p.naturalPerson.name.nameIdentifier.some((n) => n.nameIdentifierType === 'LEGL');
  return p.legalPerson.name.nameIdentifier.some((n) => n.legalPersonNameIdentifierType === 'LEGL');
}

/**
 * Originator completeness per FATF R.16 / IVMS101 C1 (natural person) and C4 (legal person):
 * a legal name, plus an address, a national identifier, a customer identifier, or date and
 * place of birth.
 */
function originatorPersonGaps(p: Ivms101Person, i: number): string[] {
  const gaps: string[] = [];
  if (!hasLegalName(p)) gaps.push(`originator.originatorPersons[${i}]: legal (LEGL) name`);
  if ('naturalPerson' in p) {
    const n = p.naturalPerson;
    if (!((n.geographicAddress?.length ?? 0) > 0 || n.nationalIdentification || n.customerIdentification || n.dateAndPlaceOfBirth)) {
      gaps.push(`originator.originatorPersons[${i}]: address, national identification, customer identification or date and place of birth (IVMS101 C1)`);
    }
  } else {
    const l = p.legalPerson;
    if (!((l.geographicAddress?.length ?? 0) > 0 || l.nationalIdentification || l.customerNumber)) {
      gaps.push(`originator.originatorPersons[${i}]: address, national identification or customer number (IVMS101 C4)`);
    }
  }
  return gaps;
}

export interface TravelRuleVerdict {
  readonly required: boolean;
  readonly action: 'proceed' | 'hold';
  /** Human-readable list of what is missing or malformed; empty when complete or not required. */
  readonly missing: readonly string[];
  readonly payload: Ivms101 | null;
}

/**
 * `amountFils` is the transfer's AED value (the caller converts at its reference price).
 * Below the threshold the Travel Rule data is not required and the transfer proceeds.
 */
export function checkTravelRule(args: { direction: 'deposit' | 'withdrawal'; amountFils: bigint; payload: unknown; thresholdFils?: bigint }): TravelRuleVerdict {
  const threshold = args.thresholdFils ?? TRAVEL_RULE_THRESHOLD_FILS_DEFAULT;
  if (typeof args.amountFils !== 'bigint' || args.amountFils < 0n) throw new ScreeningError('TRAVEL_RULE_INVALID', 'amountFils must be a non-negative bigint', {});
  if (typeof threshold !== 'bigint' || threshold < 0n) throw new ScreeningError('TRAVEL_RULE_INVALID', 'thresholdFils must be a non-negative bigint', {});
  const parsed = args.payload === undefined || args.payload === null ? null : IVMS101.safeParse(args.payload);
  const payload = parsed?.success ? parsed.data : null;
  if (args.amountFils < threshold) return { required: false, action: 'proceed', missing: [], payload };
  if (parsed === null) return { required: true, action: 'hold', missing: ['IVMS101 payload (originator and beneficiary)'], payload: null };
  if (!parsed.success) {
    return { required: true, action: 'hold', missing: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`), payload: null };
  }
  const p = parsed.data;
  const missing: string[] = [];
  for (const [i, person] of p.originator.originatorPersons.entries()) missing.push(...originatorPersonGaps(person, i));
  // R.16: the originator's account number (for VAs: the wallet address or a unique transaction reference).
  if ((p.originator.accountNumber?.length ?? 0) === 0) missing.push('originator.accountNumber');
  p.beneficiary.beneficiaryPersons.forEach((person, i) => {
    if (!hasLegalName(person)) missing.push(`beneficiary.beneficiaryPersons[${i}]: legal (LEGL) name`);
  });
  if ((p.beneficiary.accountNumber?.length ?? 0) === 0) missing.push('beneficiary.accountNumber');
  return { required: true, action: missing.length === 0 ? 'proceed' : 'hold', missing, payload: p };
}
