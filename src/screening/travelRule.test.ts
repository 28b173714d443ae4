import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScreeningError } from './errors.ts';
import type { Ivms101 } from './travelRule.ts';
import { checkTravelRule, TRAVEL_RULE_THRESHOLD_FILS_DEFAULT } from './travelRule.ts';

// Shaped like the IVMS101 specification's natural-person originator example.
const complete: Ivms101 = {
  originator: {
    originatorPersons: [
      {
        naturalPerson: {
          name: { nameIdentifier: [{ primaryIdentifier: 'Dubois', secondaryIdentifier: 'Alice', nameIdentifierType: 'LEGL' }] },
          geographicAddress: [{ addressType: 'HOME', streetName: 'Sheikh Zayed Road', buildingNumber: '12', townName: 'Dubai', country: 'AE' }],
          dateAndPlaceOfBirth: { dateOfBirth: '1985-02-03', placeOfBirth: 'Lyon' },
        },
      },
    ],
    accountNumber: ['bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3'],
  },
  beneficiary: {
    beneficiaryPersons: [{ legalPerson: { name: { nameIdentifier: [{ legalPersonName: 'Acme Trading LLC', legalPersonNameIdentifierType: 'LEGL' }] }, countryOfRegistration: 'AE' } }],
    accountNumber: ['0x3fd46b7f98547e8f512ecf54fce075dded3fd13e'],
  },
  originatingVASP: { originatingVASP: { legalPerson: { name: { nameIdentifier: [{ legalPersonName: 'Rampart VASP FZE', legalPersonNameIdentifierType: 'LEGL' }] }, nationalIdentification: { nationalIdentifier: '5493001KJTIIGC8Y1R12', nationalIdentifierType: 'LEIX' } } } },
};

test('default threshold is AED 3,500 (VARA); at or above needs complete data, below proceeds', () => {
  assert.equal(TRAVEL_RULE_THRESHOLD_FILS_DEFAULT, 350_000n);
  assert.deepEqual(checkTravelRule({ direction: 'withdrawal', amountFils: 349_999n, payload: undefined }), { required: false, action: 'proceed', missing: [], payload: null });
  const at = checkTravelRule({ direction: 'withdrawal', amountFils: 350_000n, payload: undefined });
  assert.deepEqual([at.required, at.action], [true, 'hold']);
  const ok = checkTravelRule({ direction: 'withdrawal', amountFils: 10_000_000n, payload: complete });
  assert.deepEqual([ok.action, ok.missing], ['proceed', []]);
  assert.equal(checkTravelRule({ direction: 'deposit', amountFils: 100n, payload: {}, thresholdFils: 50n }).action, 'hold');
});

test('incomplete originator or beneficiary information holds the transfer with the gaps named', () => {
  const noIdentity = structuredClone(complete) as { originator: { originatorPersons: { naturalPerson: Record<string, unknown> }[]; accountNumber?: string[] } } & Ivms101;
  delete noIdentity.originator.originatorPersons[0]!.naturalPerson.geographicAddress;
  delete noIdentity.originator.originatorPersons[0]!.naturalPerson.dateAndPlaceOfBirth;
  delete noIdentity.originator.accountNumber;
  const v = checkTravelRule({ direction: 'deposit', amountFils: 500_000n, payload: noIdentity });
  assert.equal(v.action, 'hold');
  assert.equal(v.missing.length, 2);
  assert.match(v.missing[0]!, /C1/);
  assert.equal(v.missing[1], 'originator.accountNumber');
  const alias = structuredClone(complete);
  (alias.beneficiary.beneficiaryPersons[0] as { legalPerson: { name: { nameIdentifier: { legalPersonNameIdentifierType: string }[] } } }).legalPerson.name.nameIdentifier[0]!.legalPersonNameIdentifierType = 'TRAD';
  assert.deepEqual(checkTravelRule({ direction: 'deposit', amountFils: 500_000n, payload: alias }).missing, ['beneficiary.beneficiaryPersons[0]: legal (LEGL) name']);
});

test('malformed IVMS101 (bad codes, extra fields, address rule C8) is a hold, not a crash', () => {
  const bad = (mut: (x: Record<string, unknown>) => void) => {
    const x = structuredClone(complete) as unknown as Record<string, unknown>;
    mut(x);
    return checkTravelRule({ direction: 'withdrawal', amountFils: 400_000n, payload: x });
  };
  const p = (x: Record<string, unknown>) => (x.originator as { originatorPersons: { naturalPerson: Record<string, unknown> }[] }).originatorPersons[0]!.naturalPerson;
  for (const v of [
    bad((x) => (p(x).countryOfResidence = 'UAE')),
    bad((x) => (p(x).geographicAddress = [{ addressType: 'HOME', townName: 'Dubai', country: 'AE' }])),
    bad((x) => (p(x).evil = '<script>')),
    bad((x) => ((p(x).name as { nameIdentifier: { nameIdentifierType: string }[] }).nameIdentifier[0]!.nameIdentifierType = 'NICK')),
    checkTravelRule({ direction: 'withdrawal', amountFils: 400_000n, payload: 'not an object' }),
  ]) {
    assert.equal(v.action, 'hold');
    assert.ok(v.missing.length > 0);
  }
  assert.throws(() => checkTravelRule({ direction: 'deposit', amountFils: -1n, payload: null }), (e: unknown) => e instanceof ScreeningError && e.code === 'TRAVEL_RULE_INVALID');
});
