/**
 * The signer process: `node --import tsx src/custody/signer/main.ts <config.json>`.
 * Started by the custody service as a child; speaks JSON lines on stdin/stdout (one request
 * {id, req} → one response {id, ok, result | error}). It holds the only hot private keys,
 * encrypted at rest; the exchange process never sees them.
 */
import { generateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RampartError } from '../../shared/errors.ts';
import { fromJson, toJson } from '../json.ts';
import { type SignerConfig, SignerCore, type SignerRequest } from './core.ts';
import { openKeystore, resolveKek } from './keystore.ts';
import { SignedLog } from './log.ts';

/** Longest request line accepted: a bounded protocol. */
export const REQUEST_BYTES_MAX = 1_000_000;

export function openSigner(cfg: SignerConfig, env: NodeJS.ProcessEnv, now: () => number): SignerCore {
  const kek = resolveKek({ env, signerDir: cfg.dir, dev: cfg.dev === true, ...(cfg.kekPath !== undefined ? { kekPath: cfg.kekPath } : {}) });
  const material = openKeystore(cfg.dir, kek, () => ({ mnemonic: generateMnemonic(english, 256) }));
  return new SignerCore(cfg, material.mnemonic, new SignedLog(join(cfg.dir, 'signed.log')), now);
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: main.ts <signer-config.json>');
  const cfg = fromJson<SignerConfig>(readFileSync(path, 'utf8'));
  const core = openSigner(cfg, process.env, () => Date.now());
  // One request at a time: the log's order is the signing order; limits see every earlier signature.
  let chain: Promise<void> = Promise.resolve();
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on('line', (line) => {
    chain = chain.then(async () => {
      let id: unknown = null;
      try {
        if (line.length > REQUEST_BYTES_MAX) throw new RampartError('SIGNER_PROTOCOL', 'request too large');
        const msg = fromJson<{ id: unknown; req: SignerRequest }>(line);
        id = msg.id;
        const result = await core.handle(msg.req);
        process.stdout.write(`${toJson({ id, ok: true, result })}\n`);
      } catch (e) {
        const err = e instanceof RampartError ? { code: e.code, message: e.message, details: e.details } : { code: 'SIGNER_INTERNAL', message: String(e).slice(0, 300), details: {} };
        process.stdout.write(`${toJson({ id, ok: false, error: err })}\n`);
      }
    });
  });
  rl.on('close', () => {
    void chain.then(() => process.exit(0));
  });
  process.stdout.write(`${toJson({ id: 'ready', ok: true, result: core.info() })}\n`);
}

if (process.argv[1]?.endsWith('main.ts')) {
  main().catch((e) => {
    process.stderr.write(`signer failed to start: ${e instanceof RampartError ? `${e.code} ${e.message}` : String(e)}\n`);
    process.exit(1);
  });
}
