/**
 * How Rampart talks to a bank, whatever the channel: the in-process sandbox (sandboxBank.ts) or
 * a host-to-host SFTP drop mirrored to local folders (fileExchange.ts).
 *
 * Contract: `listInbound` returns files not yet acknowledged (camt.053, camt.054, pain.002), oldest
 * first; the caller parses and applies each, then calls `acknowledge`. A crash between applying
 * and acknowledging re-delivers the file, which is safe because every decision is keyed by the
 * bank's own entry reference (deposits.ts entryIdempotencyKey). `submitPaymentFile` hands over a
 * pain.001 and must be idempotent by file name.
 */
export interface InboundFile {
  readonly id: string;
  readonly name: string;
  readonly content: string;
}

export interface BankAdapter {
  listInbound(): Promise<InboundFile[]>;
  acknowledge(id: string): Promise<void>;
  /** Sets aside a file that can never be processed (malformed, unknown message): never listed again, kept for an operator. */
  reject(id: string, reason: string): Promise<void>;
  submitPaymentFile(name: string, xml: string): Promise<void>;
}
