import { RampartError } from '../shared/errors.ts';

/**
 * The screening domain's one error class. Stable codes (callers branch on `code`):
 * ADDRESS_INVALID, TXID_INVALID, CHAIN_INVALID, BLOCKLIST_FULL, ENTRY_NOT_FOUND,
 * OFAC_FORMAT, CSV_TOO_LARGE, TRACE_LIMIT, TRACE_SOURCE, CASE_TRANSITION, CASE_ACTOR,
 * FOUR_EYES, FREEZE_* (see freezeRequest.ts), STR_INVALID, TRAVEL_RULE_INVALID.
 */
export class ScreeningError extends RampartError {}
