import { BtcChainError } from './errors.ts';

/**
 * A strict JSON reader that keeps every number as its source text, so a node's amount
 * (`"value": 0.00012345`) becomes satoshi without ever being a float. bitcoind writes amounts
 * with ValueFromAmount (fixed 8 decimals); JSON.parse would round 21e6-scale values with 8
 * decimals at the 53rd bit. Also bounds depth and size: the node is not trusted.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export const JSON_DEPTH_MAX = 64;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 8259 §7 forbids raw control characters in strings
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WS_RE = /[ \t\n\r]*/y;

function bad(message: string, position: number): never {
  throw new BtcChainError('RPC_BAD_RESPONSE', `malformed JSON from node: ${message}`, { position });
}

/** Parses JSON text; numbers become JsonNumber. Throws RPC_BAD_RESPONSE on anything malformed. */
export function parseJsonLossless(text: string): JsonValue {
  let pos = 0;
  const ws = (): void => {
    WS_RE.lastIndex = pos;
    WS_RE.exec(text);
    pos = WS_RE.lastIndex;
  };
  const value = (depth: number): JsonValue => {
    if (depth > JSON_DEPTH_MAX) bad('nesting too deep', pos);
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const out: { [key: string]: JsonValue } = Object.create(null);
      ws();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') bad('expected a key', pos);
        const key = string();
        ws();
        if (text[pos] !== ':') bad('expected ":"', pos);
        pos++;
        if (Object.hasOwn(out, key)) bad(`duplicate key "${key.slice(0, 40)}"`, pos);
        out[key] = value(depth + 1);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return out;
        }
        bad('expected "," or "}"', pos);
      }
    }
    if (c === '[') {
      pos++;
      const out: JsonValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return out;
        }
        bad('expected "," or "]"', pos);
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (!m) bad('unexpected character', pos);
    pos = NUMBER_RE.lastIndex;
    return new JsonNumber(m[0]);
  };
  const string = (): string => {
    STRING_RE.lastIndex = pos;
    const m = STRING_RE.exec(text);
    if (!m) bad('bad string', pos);
    pos = STRING_RE.lastIndex;
    return JSON.parse(m[0]) as string;
  };
  const result = value(0);
  ws();
  if (pos !== text.length) bad('trailing characters', pos);
  return result;
}

/** A satoshi amount to be written as bitcoind does: a JSON number with exactly 8 decimals. */
export class BtcAmountJson {
  constructor(readonly amountSat: bigint) {}
}

/** Serialises plain data to JSON text; BtcAmountJson becomes e.g. `50.00000000`, bigint an integer. */
export function toJsonText(value: unknown): string {
  if (value instanceof BtcAmountJson) {
    const neg = value.amountSat < 0n;
    const digits = (neg ? -value.amountSat : value.amountSat).toString().padStart(9, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`;
  }
  if (value instanceof JsonNumber) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(`${JSON.stringify(k)}:${toJsonText(v)}`);
    return `{${parts.join(',')}}`;
  }
  throw new BtcChainError('RPC_BAD_RESPONSE', `cannot serialise ${typeof value}`);
}
