import { RampartError } from '../shared/errors.ts';

export type JournalErrorCode =
  | 'JOURNAL_CORRUPT' // a record in the middle fails its checksum: tampering or media failure
  | 'JOURNAL_CHAIN_BROKEN' // a record's prevHash is not the hash of the one before
  | 'JOURNAL_SEQ_GAP' // sequence numbers are not contiguous
  | 'JOURNAL_RECORD_TOO_LARGE'
  | 'JOURNAL_CLOSED'
  | 'JOURNAL_IO' // the backend could not make a write durable: stop acknowledging
  | 'JOURNAL_LOCKED' // another process holds the journal
  | 'JOURNAL_PAYLOAD'; // a payload does not decode to a command

export class JournalError extends RampartError {
  declare readonly code: JournalErrorCode;
  constructor(code: JournalErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
