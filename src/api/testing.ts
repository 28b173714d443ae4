import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Accounts, type AuditSink, openSqliteAccounts } from '../accounts/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { buildApp } from './app.ts';
import type { ApiConfig, ApiContext } from './context.ts';

/** A whole API over a real engine and file journal in a temp dir, for tests. */
export const SERVER_KEY = { kid: 'test', key: new Uint8Array(32).fill(9) };
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  readonly userId: number;
  readonly email: string;
  readonly apiKey: string;
  readonly secret: string;
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly ctx: ApiContext;
  readonly engine: Engine;
  readonly accounts: Accounts;
  readonly now: { t: number };
  user(email: string, funds?: { AED?: bigint; BTC?: bigint; ETH?: bigint }): Promise<TestUser>;
  close(): Promise<void>;
}

export async function harness(config: Partial<ApiConfig> = {}, opts: { realClock?: boolean; audit?: AuditSink } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-api-'));
  const now = { t: 1_750_000_000_000 };
  const clock = opts.realClock === true ? () => Date.now() : () => now.t;
  const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock });
  const accounts = new Accounts({ repo: openSqliteAccounts(':memory:'), engine, clock, serverKey: SERVER_KEY, passwordParams: { memoryKiB: 64, iterations: 1, parallelism: 1 } });
  const { app, ctx } = await buildApp({
    engine,
    accounts,
    clock,
    ...(opts.audit === undefined ? {} : { audit: opts.audit }),
    config: { serverKeys: (kid) => (kid === SERVER_KEY.kid ? SERVER_KEY.key : undefined), csrfKey: new Uint8Array(32).fill(3), secureCookies: false, ...config },
  });
  let refs = 0;
  return {
    app,
    ctx,
    engine,
    accounts,
    now,
    async user(email, funds = { AED: 100_000_000n, BTC: 1_000_000_000n, ETH: 10n ** 21n }) {
      const u = await accounts.createUser({ email, password: PASSWORD });
      // Harness users trade, so they are KYC-approved (the KYC flow itself is tested in identity.test.ts).
      accounts.setKyc(u.id, 'approved', null);
      for (const [asset, amount] of Object.entries(funds)) {
        const r = await engine.submit({ type: 'deposit', userId: u.id, asset, amount, source: asset === 'AED' ? 'bank' : 'chain', ref: `test-${++refs}` });
        if (!r.ok) throw new Error(`deposit failed: ${r.error?.code}`);
      }
      const k = accounts.createApiKey(u.id, { label: 'test', permissions: ['read', 'trade'] });
      return { userId: u.id, email: u.email, apiKey: k.keyId, secret: k.secret };
    },
    async close() {
      await app.close();
      accounts.repo.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
