import { ValidationError } from '../shared/errors.ts';

/**
 * The one error class of the reserves domain (proof of reserves / liabilities).
 * Codes (stable, callers branch on them):
 *   POR_INPUT              malformed parameter (asset list, salt, snapshot time, sequence)
 *   POR_CUSTOMER_ID        customer id empty, too long or not printable ASCII
 *   POR_DUPLICATE_CUSTOMER the same customer appears twice in one snapshot
 *   POR_NEGATIVE_BALANCE   a balance below zero (attack (a): negative leaves)
 *   POR_AMOUNT_RANGE       a balance ≥ 2^128 or not a bigint (attack (c): overflow)
 *   POR_SUM_OVERFLOW       a node sum would reach 2^128 (attack (c))
 *   POR_UNKNOWN_ASSET      a balance in an asset outside the snapshot's asset list
 *   POR_TOO_MANY_LEAVES    more customers than the tree's stated maximum
 *   POR_UNKNOWN_CUSTOMER   a proof was asked for a customer not in the snapshot
 *   POR_FILE               a proof or bundle file cannot be read or parsed
 *   RESERVES_READ          a node's answer is malformed or inconsistent (reorg during the read, unknown UTXO)
 *   RESERVES_SIGNATURE_MISSING  a reserve address has no proof-of-control signature
 *   RESERVES_SIGNATURE_INVALID  a signature does not prove control for this snapshot
 *   POR_WORKER             a build worker thread died or exited without answering
 *   POR_STORE              the snapshot history store cannot be read or written, or a snapshot is unknown
 */
export class ReservesError extends ValidationError {}
