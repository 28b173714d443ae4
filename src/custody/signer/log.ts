import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { CustodyError } from '../errors.ts';
import { fromJson, toJson } from '../json.ts';

/** One signed transaction, as the signer remembers it. */
export interface SignedEntry {
  /** withdraw (customer payout), sweep (deposit → hot), toCold (hot → cold). */
  readonly kind: 'withdraw' | 'sweep' | 'toCold';
  /** Intent id, sweep id or move id. */
  readonly id: string;
  /** 0 = the first signature; 1.. = fee bumps (same inputs / same nonce: at most one can confirm). */
  readonly attempt: number;
  readonly asset: 'BTC' | 'ETH';
  readonly destination: string;
  readonly amountMinor: bigint;
  readonly feeMinor: bigint;
  readonly txid: string;
  readonly hex: string;
  readonly atMs: number;
  /** sha256 of the intent's canonical bytes (withdrawals). */
  readonly intentHash?: string;
  /** BTC: spent outpoints with their keys' paths; outputs in order; change output index (-1 none). */
  readonly btc?: { inputs: Array<{ txid: string; vout: number; valueSat: bigint; chain: 0 | 1; index: number; account: number }>; outputs: Array<{ scriptHex: string; amountSat: bigint }>; changeIndex: number };
  /** ETH: sender, nonce and fees. */
  readonly eth?: { from: string; nonce: bigint; maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint; gasLimit: bigint };
}

interface Line {
  prev: string;
  entry: SignedEntry;
}

/**
 * The signer's own append-only record of what it signed (JSON lines, each line carrying the
 * sha256 of the previous one, fsync'd before the signed transaction is returned). A signed
 * transaction that is not in the log was never handed out. A torn last line (crash during the
 * append) is cut: that transaction was never returned, so dropping it cannot lose a payment.
 */
export class SignedLog {
  private readonly path: string;
  private readonly entries: SignedEntry[] = [];
  private readonly byId = new Map<string, SignedEntry[]>();
  private lastHash = '0'.repeat(64);

  constructor(path: string) {
    this.path = path;
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    let good = 0;
    let offset = 0;
    for (const raw of text.split('\n')) {
      const end = offset + Buffer.byteLength(raw) + 1;
      if (raw === '') {
        offset = end;
        continue;
      }
      const complete = end <= Buffer.byteLength(text);
      let line: Line;
      try {
        line = fromJson<Line>(raw);
      } catch {
        if (!complete) break; // torn tail
        throw new CustodyError('LOG_CORRUPT', 'signer log line does not parse', { offset });
      }
      if (line.prev !== this.lastHash) throw new CustodyError('LOG_CORRUPT', 'signer log hash chain broken', { offset });
      this.add(line.entry);
      this.lastHash = bytesToHex(sha256(new TextEncoder().encode(raw)));
      good = end;
      offset = end;
    }
    if (good < Buffer.byteLength(text)) truncateSync(path, good);
  }

  private add(e: SignedEntry): void {
    this.entries.push(e);
    const list = this.byId.get(`${e.kind}:${e.id}`) ?? [];
    list.push(e);
    this.byId.set(`${e.kind}:${e.id}`, list);
  }

  append(entry: SignedEntry): void {
    const raw = toJson({ prev: this.lastHash, entry } satisfies Line);
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${raw}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.lastHash = bytesToHex(sha256(new TextEncoder().encode(raw)));
    this.add(entry);
  }

  /** Every attempt for (kind, id), oldest first. */
  attempts(kind: SignedEntry['kind'], id: string): SignedEntry[] {
    return [...(this.byId.get(`${kind}:${id}`) ?? [])];
  }

  all(): readonly SignedEntry[] {
    return this.entries;
  }
}
