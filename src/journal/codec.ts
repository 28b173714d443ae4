import type { Command } from '../core/commands.ts';
import { JournalError } from './errors.ts';

/**
 * Commands as journal payloads: UTF-8 JSON, with bigints written as {"$n":"<digits>"}
 * so no amount ever passes through a float. Field order is the producer's; the journal
 * hash covers the exact bytes, so a record is never re-encoded after it is written.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $n: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$n' in value) {
    const digits = (value as { $n: unknown }).$n;
    if (typeof digits !== 'string' || !/^-?[0-9]{1,80}$/.test(digits)) throw new JournalError('JOURNAL_PAYLOAD', 'bad bigint in payload');
    return BigInt(digits);
  }
  return value;
}

export function encodeCommand(cmd: Command): Uint8Array {
  return encoder.encode(JSON.stringify(cmd, replacer));
}

export function decodeCommand(payload: Uint8Array): Command {
  try {
    return JSON.parse(decoder.decode(payload), reviver) as Command;
  } catch (e) {
    if (e instanceof JournalError) throw e;
    throw new JournalError('JOURNAL_PAYLOAD', 'journal payload is not a command', { reason: e instanceof Error ? e.message.slice(0, 120) : '' });
  }
}
