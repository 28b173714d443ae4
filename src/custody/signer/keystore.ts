import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CustodyError } from '../errors.ts';
import { writeFileAtomic } from '../json.ts';

/**
 * The signer's key material at rest: AES-256-GCM (NIST SP 800-38D) with a 96-bit random IV and
 * a fixed associated-data label, under a 32-byte key-encryption key (KEK) that never lives in
 * the data directory: a copy of the data dir (backup, stolen disk image) alone reveals nothing.
 */
const AAD = Buffer.from('rampart-signer-keystore-v1');
export const KEK_ENV = 'RAMPART_SIGNER_KEK';

export interface KeyMaterial {
  /** BIP39 mnemonic: BTC (BIP84 accounts 0 hot, 1 deposits) and ETH (BIP44 account 0 hot, 1 deposits). */
  readonly mnemonic: string;
}

interface KeystoreFile {
  v: 1;
  alg: 'aes-256-gcm';
  ivHex: string;
  tagHex: string;
  ctHex: string;
}

export function encryptKeyMaterial(material: KeyMaterial, kek: Uint8Array): string {
  if (kek.length !== 32) throw new CustodyError('KEK_MISSING', 'the KEK must be 32 bytes');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(JSON.stringify(material), 'utf8'), c.final()]);
  const file: KeystoreFile = { v: 1, alg: 'aes-256-gcm', ivHex: iv.toString('hex'), tagHex: c.getAuthTag().toString('hex'), ctHex: ct.toString('hex') };
  return JSON.stringify(file);
}

export function decryptKeyMaterial(text: string, kek: Uint8Array): KeyMaterial {
  let f: KeystoreFile;
  try {
    f = JSON.parse(text) as KeystoreFile;
  } catch {
    throw new CustodyError('KEYSTORE_INVALID', 'keystore is not JSON');
  }
  if (f?.v !== 1 || f.alg !== 'aes-256-gcm' || !/^[0-9a-f]{24}$/.test(f.ivHex) || !/^[0-9a-f]{32}$/.test(f.tagHex) || !/^([0-9a-f]{2})+$/.test(f.ctHex)) {
    throw new CustodyError('KEYSTORE_INVALID', 'keystore has the wrong shape');
  }
  try {
    const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(f.ivHex, 'hex'));
    d.setAAD(AAD);
    d.setAuthTag(Buffer.from(f.tagHex, 'hex'));
    const pt = Buffer.concat([d.update(Buffer.from(f.ctHex, 'hex')), d.final()]).toString('utf8');
    const m = JSON.parse(pt) as KeyMaterial;
    if (typeof m.mnemonic !== 'string') throw new Error('shape');
    return m;
  } catch {
    // Wrong KEK and tampered ciphertext look the same (GCM tag): one code, no oracle.
    throw new CustodyError('KEYSTORE_INVALID', 'keystore does not decrypt under this KEK');
  }
}

/**
 * Where the KEK comes from, in order: env RAMPART_SIGNER_KEK (64 hex), a file named by config
 * (outside the data dir), or, in dev only, `<signerDir>/../signer-kek` generated once (0600).
 */
export function resolveKek(o: { env: NodeJS.ProcessEnv; kekPath?: string; signerDir: string; dev: boolean }): Uint8Array {
  const fromEnv = o.env[KEK_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseKekHex(fromEnv, KEK_ENV);
  if (o.kekPath !== undefined) {
    if (!existsSync(o.kekPath)) throw new CustodyError('KEK_MISSING', 'KEK file not found', { path: o.kekPath });
    return parseKekHex(readFileSync(o.kekPath, 'utf8').trim(), o.kekPath);
  }
  if (!o.dev) throw new CustodyError('KEK_MISSING', `set ${KEK_ENV} or a KEK file outside the data directory`);
  const path = resolve(dirname(resolve(o.signerDir)), 'signer-kek');
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return parseKekHex(readFileSync(path, 'utf8').trim(), path);
}

function parseKekHex(text: string, where: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new CustodyError('KEK_MISSING', 'KEK must be 64 hex characters (32 bytes)', { where });
  return Buffer.from(text, 'hex');
}

/** Opens `<dir>/keystore.json`, creating it from `create()` on first start. */
export function openKeystore(dir: string, kek: Uint8Array, create: () => KeyMaterial): KeyMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'keystore.json');
  if (!existsSync(path)) {
    writeFileAtomic(path, encryptKeyMaterial(create(), kek));
    chmodSync(path, 0o600);
  }
  return decryptKeyMaterial(readFileSync(path, 'utf8'), kek);
}
