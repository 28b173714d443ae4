import { resolve } from 'node:path';
import { z } from 'zod';
import { type CoreConfig, defaultCoreConfig } from '../core/config.ts';
import { ValidationError } from '../shared/errors.ts';

/**
 * Rampart's runtime configuration: one typed, validated object built at start from
 * flags and the environment. Nothing else in the code base reads process.env.
 */
export interface RampartConfig {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; absent means the embedded SQLite store. */
  readonly databaseUrl: string | null;
  readonly demo: boolean;
  readonly core: CoreConfig;
  /** Snapshot every this many commands. */
  readonly snapshotEveryCommands: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

const schema = z
  .object({
    dataDir: z.string().min(1).max(4096),
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1).max(255),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
      .nullable(),
    demo: z.boolean(),
    snapshotEveryCommands: z.number().int().min(0).max(100_000_000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']),
  })
  .strict();

export interface ConfigInput {
  dataDir?: string | undefined;
  port?: string | number | undefined;
  host?: string | undefined;
  demo?: boolean | undefined;
}

export function loadConfig(flags: ConfigInput, env: Readonly<Record<string, string | undefined>>): RampartConfig {
  const raw = {
    dataDir: resolve(flags.dataDir ?? env.RAMPART_DATA_DIR ?? './data'),
    port: Number(flags.port ?? env.PORT ?? 8080),
    host: flags.host ?? env.RAMPART_HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL && env.DATABASE_URL.length > 0 ? env.DATABASE_URL : null,
    demo: flags.demo === true,
    snapshotEveryCommands: Number(env.RAMPART_SNAPSHOT_EVERY ?? 100_000),
    logLevel: (env.RAMPART_LOG_LEVEL ?? 'info') as RampartConfig['logLevel'],
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError('CONFIG_INVALID', 'configuration is invalid', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return { ...parsed.data, core: defaultCoreConfig };
}
