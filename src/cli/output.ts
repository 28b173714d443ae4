import { RampartError } from '../shared/errors.ts';

/** Every command prints human lines, and with --json one JSON object as its last line. */
export interface Out {
  line(text: string): void;
  result(obj: Record<string, unknown>): void;
}

export function makeOut(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Out {
  return {
    line(text) {
      if (!json) write(text + '\n');
    },
    result(obj) {
      write(JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
    },
  };
}

export function errorResult(e: unknown): Record<string, unknown> {
  if (e instanceof RampartError) return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
  return { ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
}
