import { CoreError } from '../errors.ts';

export const DESTINATION_LENGTH_MAX = 128;
export const LABEL_LENGTH_MAX = 64;

/**
 * ISO 13616 IBAN check: 2 letters, 2 check digits, 11..30 alphanumerics (BBAN), and
 * mod-97 of the rearranged number equals 1. The core takes only the canonical
 * electronic form (upper case, no spaces); the API normalises what customers type.
 * UAE IBANs are AE + 2 check digits + 3-digit bank code + 16-digit account (23 characters).
 */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  if (iban.startsWith('AE') && !/^AE[0-9]{21}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const c = ch.charCodeAt(0);
    // Letters become 10..35 (two digits), digits stay one digit.
    const v = c >= 65 ? c - 55 : c - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/**
 * Shape check of a withdrawal destination. Bank (AED) destinations must be valid
 * IBANs; crypto destinations are 8..128 ASCII letters and digits (bech32, base58,
 * 0x-hex): the chain adapters check checksums (BIP173/BIP350, EIP-55) before the API
 * submits; the core only refuses what can never be an address.
 */
export function checkDestination(asset: string, destination: unknown): string {
  if (typeof destination !== 'string' || destination.length === 0 || destination.length > DESTINATION_LENGTH_MAX) {
    throw new CoreError('DESTINATION_INVALID', `destination must be 1..${DESTINATION_LENGTH_MAX} characters`);
  }
  if (asset === 'AED') {
    if (!isValidIban(destination)) throw new CoreError('DESTINATION_INVALID', 'bank destinations must be valid IBANs (ISO 13616)');
  } else if (!/^[A-Za-z0-9]{8,128}$/.test(destination)) {
    throw new CoreError('DESTINATION_INVALID', 'crypto destinations are 8..128 letters and digits');
  }
  return destination;
}

export function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.length > LABEL_LENGTH_MAX) throw new CoreError('COMMAND_MALFORMED', `label must be a string of at most ${LABEL_LENGTH_MAX} characters`);
  // Labels are shown to staff and customers: no control characters.
  if (/\p{Cc}/u.test(label)) throw new CoreError('COMMAND_MALFORMED', 'label must not contain control characters');
  return label;
}
