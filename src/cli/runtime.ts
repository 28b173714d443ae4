import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Accounts, openSqliteAccounts } from '../accounts/index.ts';
import { buildApp } from '../api/index.ts';
import type { RampartConfig } from '../config/config.ts';
import { Engine } from '../engine/engine.ts';
import { WEB_DIST_DIR } from '../web/index.ts';
import { PorStore } from '../reserves/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { AuditTrail } from './audit.ts';
import { ProjectionPump } from './projection.ts';
import { lockDataDir } from './lock.ts';
import { loadSecrets } from './secrets.ts';

/**
 * Everything a Rampart process holds open: the engine (journal + core), the accounts
 * database and the HTTP app. `rampart start` keeps one for its lifetime; CLI commands
 * open one briefly when no instance is running (a running one holds the journal lock,
 * and is reached through its admin socket instead).
 */
export interface Runtime {
  readonly config: RampartConfig;
  readonly engine: Engine;
  readonly accounts: Accounts;
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly audit: AuditTrail;
  readonly projection: ProjectionPump;
  readonly reserves: PorStore;
  close(): Promise<void>;
}

export async function openRuntime(config: RampartConfig, clock: () => number = Date.now): Promise<Runtime> {
  const secrets = loadSecrets(config.dataDir);
  const unlock = lockDataDir(config.dataDir);
  const store = await openRuntimeStore(config);
  const engine = await Engine.open({ config: config.core, backend: store.journal, clock, snapshotEveryCommands: config.snapshotEveryCommands });
  const projection = await ProjectionPump.start(engine, store);
  const audit = await AuditTrail.open(store);
  const reserves = new PorStore(config.dataDir);
  const accounts = new Accounts({ repo: openSqliteAccounts(config.dataDir), engine, clock, serverKey: secrets.serverKey });
  const { app } = await buildApp({
    engine,
    accounts,
    clock,
    webDistDir: WEB_DIST_DIR,
    reserves,
    audit,
    config: {
      serverKeys: (kid) => (kid === secrets.serverKey.kid ? secrets.serverKey.key : undefined),
      csrfKey: secrets.csrfKey,
      // Dev outbox: verification and reset mails as .eml files (SMTP by configuration in production).
      outboxDir: join(config.dataDir, 'outbox'),
      // Always Secure: browsers drop non-Secure __Host- cookies, and Chromium keeps Secure cookies on http://localhost.
      secureCookies: true,
      docs: true,
    },
  });
  return {
    config,
    engine,
    accounts,
    app,
    store,
    audit,
    projection,
    reserves,
    async close() {
      await app.close();
      accounts.repo.close();
      await engine.snapshot().catch(() => undefined);
      await engine.journal.sync().catch(() => undefined);
      await projection.idle();
      await store.close();
      unlock();
    },
  };
}

/** The journal, snapshots and read models: PostgreSQL when DATABASE_URL is set, else SQLite in the data dir. */
export function openRuntimeStore(config: RampartConfig, options: { readonly?: boolean } = {}): Promise<Store> {
  return openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl === null ? {} : { databaseUrl: config.databaseUrl }),
    ...(options.readonly ? { sqlite: { readonly: true }, migrate: false } : {}),
  });
}
