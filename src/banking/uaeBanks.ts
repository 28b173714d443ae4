/**
 * UAE bank identifiers as they appear in positions 5-7 of an AE IBAN
 * (AEkk BBB CCCCCCCCCCCCCCCC, ISO 13616 / SWIFT IBAN registry: "AE2!n3!n16!n").
 *
 * Source and confidence, stated plainly: the Central Bank of the UAE publishes the
 * authoritative list (CBUAE "UAE IBAN" bank codes); it was NOT available offline when this
 * table was written, so every row below is from memory of published IBANs and is marked
 * `verified: false`. Public third-party tables disagree with each other (one open-source
 * .NET library lists 033 as Emirates NBD, where common knowledge has Mashreq). Therefore:
 *   - nothing in Rampart rejects an IBAN because its bank code is missing here or differs;
 *   - the table is only used to *label* an IBAN for an operator ("probably Mashreq").
 * Before production an operator must replace this table with the CBUAE list and flip
 * `verified` to true per row (see docs/banking.md).
 *
 * The one fact we rely on from the SWIFT IBAN registry is the example IBAN
 * AE07 0331 2345 6789 0123 456, whose bank identifier is "033".
 */
export interface UaeBank {
  readonly code: string;
  readonly name: string;
  readonly verified: boolean;
  readonly note?: string;
}

export const UAE_BANKS: readonly UaeBank[] = [
  { code: '033', name: 'Mashreq Bank', verified: false, note: 'bank code of the SWIFT registry AE example; bank name from memory' },
  { code: '026', name: 'Emirates NBD', verified: false },
  { code: '035', name: 'First Abu Dhabi Bank (formerly National Bank of Abu Dhabi)', verified: false },
  { code: '030', name: 'Abu Dhabi Commercial Bank', verified: false, note: 'some sources give 003; unsure' },
  { code: '050', name: 'Abu Dhabi Islamic Bank', verified: false },
  { code: '024', name: 'Dubai Islamic Bank', verified: false },
  { code: '023', name: 'Commercial Bank of Dubai', verified: false },
  { code: '034', name: 'Emirates Islamic Bank', verified: false },
  { code: '040', name: 'RAKBANK (National Bank of Ras Al Khaimah)', verified: false },
  { code: '041', name: 'Sharjah Islamic Bank', verified: false },
  { code: '020', name: 'HSBC Bank Middle East', verified: false },
  { code: '044', name: 'Standard Chartered Bank', verified: false },
];

const BY_CODE: ReadonlyMap<string, UaeBank> = new Map(UAE_BANKS.map((b) => [b.code, b]));

/** The table row for a 3-digit UAE bank code, or undefined when the code is not in the table. */
export function uaeBankByCode(code: string): UaeBank | undefined {
  return BY_CODE.get(code);
}
