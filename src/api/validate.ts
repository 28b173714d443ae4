import { z } from 'zod';
import { ApiError } from './errors.ts';

/**
 * Input validation: every route states a zod schema (strict: unknown fields are
 * refused, not ignored), and this is the only place schema failures become errors.
 */
export function parseInput<T>(schema: z.ZodType<T>, data: unknown, where: string): T {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  const unknown = r.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown !== undefined) {
    const keys = (unknown as { keys?: string[] }).keys ?? [];
    throw new ApiError('PARAM_UNKNOWN', `unknown ${where} field: ${keys.map((k) => k.slice(0, 32)).join(', ')}`);
  }
  const first = r.error.issues[0]!;
  const field = first.path.map(String).join('.').slice(0, 64) || where;
  if (first.code === 'invalid_type' && (first as { input?: unknown }).input === undefined) {
    throw new ApiError('PARAM_MISSING', `Mandatory parameter '${field}' was not sent, was empty/null, or malformed.`);
  }
  throw new ApiError('PARAM_INVALID', `${field}: ${first.message.slice(0, 120)}`);
}

/** JSON Schema of a zod schema, for the OpenAPI document only (zod does the validating). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const js = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete js.$schema;
  return js;
}

/** Decimal strings at the edge: digits and at most one dot; precision/range are checked by src/core/units.ts. */
export const decimalText = z.string().min(1).max(100).regex(/^[0-9]+(\.[0-9]+)?$/, 'must be a plain decimal string');
/** Integer ids in URLs and queries, as strings. */
export const idText = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer');
export const intText = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, `must be in ${min}..${max}`);
export const clientIdText = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1..64 of [A-Za-z0-9._:-]');

const PARAMS_COUNT_MAX = 64;
const PARAMS_LENGTH_MAX = 8192;

/**
 * Parses an application/x-www-form-urlencoded string (a query string or a form body)
 * strictly: duplicates are refused (parameter pollution), malformed escapes are errors.
 */
export function parseForm(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw.length > PARAMS_LENGTH_MAX) throw new ApiError('BAD_REQUEST', 'parameters too long');
  if (raw === '') return out;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ApiError('BAD_REQUEST', 'malformed parameter');
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
      v = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw new ApiError('BAD_REQUEST', 'malformed percent-encoding');
    }
    if (out.has(k)) throw new ApiError('BAD_REQUEST', `duplicate parameter ${k.slice(0, 32)}`);
    if (out.size >= PARAMS_COUNT_MAX) throw new ApiError('BAD_REQUEST', 'too many parameters');
    out.set(k, v);
  }
  return out;
}
