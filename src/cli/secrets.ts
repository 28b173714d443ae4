import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Server secrets kept in `<dataDir>/secrets/` (mode 0700, files 0600), made on first start:
 * the API-secret sealing key (AES-256-GCM, by key id for rotation) and the CSRF key.
 * Production deployments should mount these from a secrets manager instead; the files
 * are never in the journal or the database, so a database copy alone cannot open API secrets.
 */
export interface ServerSecrets {
  readonly serverKey: { kid: string; key: Uint8Array };
  readonly csrfKey: Uint8Array;
}

function readOrCreate(path: string, bytes: number): Uint8Array {
  if (existsSync(path)) {
    const b = readFileSync(path);
    if (b.length !== bytes) throw new Error(`secret ${path} must be ${bytes} bytes`);
    return new Uint8Array(b);
  }
  const b = randomBytes(bytes);
  writeFileSync(path, b, { mode: 0o600, flag: 'wx' });
  return new Uint8Array(b);
}

export function loadSecrets(dataDir: string): ServerSecrets {
  const dir = join(dataDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return { serverKey: { kid: 'k1', key: readOrCreate(join(dir, 'api-seal-k1.key'), 32) }, csrfKey: readOrCreate(join(dir, 'csrf.key'), 32) };
}
