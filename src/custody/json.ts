import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * JSON with bigints for custody's files and the signer protocol: a bigint is written as
 * {"$n":"<decimal>"} and read back exactly (never through a float).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v));
}

export function fromJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$n' && typeof v.$n === 'string' && /^-?[0-9]{1,80}$/.test(v.$n)) return BigInt(v.$n);
    }
    return v;
  }) as T;
}

/** Atomic replace: temp file, fsync, rename; a crash leaves the old or the new file, never half. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readJsonFile<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  return fromJson<T>(readFileSync(path, 'utf8'));
}
