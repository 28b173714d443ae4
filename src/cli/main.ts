import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { formatDecimal } from '../shared/decimal.ts';
import { rebuildAsOf } from '../engine/engine.ts';
import { type AdminRequest, callAdmin, runAdmin } from './admin.ts';
import { errorResult, makeOut, type Out } from './output.ts';
import { openRuntime, openRuntimeStore } from './runtime.ts';
import { verifyAuditTrail } from './audit.ts';
import { migrateStore } from '../store/index.ts';
import { verifyJournal } from './verify.ts';

const HELP = `rampart — security-first crypto exchange (BTC/ETH vs AED)

Usage: rampart <command> [flags]      (every command takes --json: one JSON object on the last line)

  start [--port N] [--data-dir DIR] [--demo]   start the exchange (npm start passes --demo)
  verify [--data-dir DIR] [--paranoid]          replay the journal from genesis: hash chain, every
                                                invariant, final state hash
  as-of (--seq N | --time ISO) [--data-dir DIR] every balance as it was at a journal sequence or time
  user create --email E --password P [--kyc approved] [--name N] [--iban IBAN]
  api-key create --email E --perms read,trade[,withdraw]   prints the key and the secret (shown once)
  staff create --email E --password P --role support|compliance|treasury|security|admin
                                                prints the staff member's TOTP secret (shown once)
  sandbox deposit --email E --asset AED|BTC|ETH --amount DECIMAL   fund through the real deposit path
  status                                        sequence number, users, open orders
  bank reconcile                                statement vs ledger: balance, every entry matched (running instance)
  migrate                                       apply pending storage migrations (refuses a newer schema)
  audit verify                                  check the audit trail's hash chain end to end
  por verify PROOF.json [--root HEX | --snapshot FILE] [--customer ID]   check an inclusion proof
  por verify-bundle FILE [--snapshot FILE]      check a reserves bundle (addresses, signatures, totals)
  por publish [--data-dir DIR]                  snapshot liabilities, publish root and the public page
  cold-sign --psbt FILE --mnemonic-file FILE --approved FILE [--out FILE]
                                                offline machine: sign a cold→hot refill PSBT, refusing
                                                anything but the approved spend
  drill [--data-dir DIR] [--haircut]            replay the M2 breach end to end on the dev chains: detect,
                                                freeze, account, cover (or haircut), restore, report
  help                                          this text

Commands that act on an instance reach a running one through <data-dir>/admin.sock,
or open the data directory directly when none is running.

Environment: RAMPART_DATA_DIR, PORT, DATABASE_URL (PostgreSQL; default embedded SQLite),
RAMPART_LOG_LEVEL, RAMPART_SNAPSHOT_EVERY.
`;

function required(v: string | undefined, flag: string): string {
  if (v === undefined || v.length === 0) throw Object.assign(new Error(`${flag} is required`), { code: 'USAGE' });
  return v;
}

export function journalDir(dataDir: string): string {
  return join(dataDir, 'journal');
}

export async function main(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env, write: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  // Two-word commands ("user create") become one ("user.create").
  const twoWord = new Set(['user', 'api-key', 'sandbox', 'audit', 'por', 'bank', 'staff']);
  const [first = 'help', ...tail] = argv;
  const [command, rest] = twoWord.has(first) && tail[0] !== undefined && !tail[0].startsWith('-') ? [`${first} ${tail[0]}`, tail.slice(1)] : [first, tail];
  if (command.startsWith('por ')) return por(command.slice(4), rest, env, write);
  if (command === 'cold-sign') return coldSign(rest, write);
  if (command === 'drill') {
    const drill = await import('../drill/main.ts');
    return drill.main(rest);
  }
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(rest);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${HELP}`);
    return 2;
  }
  const v = parsed.values;
  const out = makeOut(v.json === true, write);
  if (command === 'help' || command === '--help' || command === '-h' || v.help) {
    write(HELP);
    return 0;
  }
  return run(command, v, out, env);
}

function parseCli(rest: string[]) {
  return parseArgs({
      args: rest,
      options: {
        json: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        demo: { type: 'boolean', default: false },
        paranoid: { type: 'boolean', default: false },
        seq: { type: 'string' },
        time: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        iban: { type: 'string' },
        password: { type: 'string' },
        kyc: { type: 'string' },
        role: { type: 'string' },
        perms: { type: 'string' },
        'ip-allowlist': { type: 'string' },
        asset: { type: 'string' },
        amount: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
}

type CliValues = ReturnType<typeof parseCli>['values'];

async function run(command: string, v: CliValues, out: Out, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  try {
    const config = loadConfig({ dataDir: v['data-dir'], port: v.port, host: v.host, demo: v.demo }, env);
    switch (command) {
      case 'start': {
        const { startRampart } = await import('./start.ts');
        await startRampart(config);
        return 0;
      }
      case 'verify': {
        const store = await openRuntimeStore(config, { readonly: true });
        let report: Awaited<ReturnType<typeof verifyJournal>>;
        try {
          report = await verifyJournal(config.core, store.journal, v.paranoid ? 1 : 10_000);
        } finally {
          await store.close().catch(() => undefined);
        }
        out.line(`journal ok: ${report.commands} commands (${report.rejected} rejected as recorded), ${report.invariant_checks} invariant checks`);
        out.line(`state hash ${report.state_hash}`);
        out.line(`chain head ${report.chain_head}`);
        out.result({ ...report });
        return 0;
      }
      case 'as-of': {
        const at: { seq?: number; ts?: number } = {};
        if (v.seq !== undefined) at.seq = Number(v.seq);
        if (v.time !== undefined) at.ts = Date.parse(v.time);
        if ((at.seq === undefined) === (at.ts === undefined) || (at.seq !== undefined && !Number.isSafeInteger(at.seq)) || (at.ts !== undefined && Number.isNaN(at.ts))) {
          throw Object.assign(new Error('give exactly one of --seq N or --time ISO-8601'), { code: 'USAGE' });
        }
        const store = await openRuntimeStore(config, { readonly: true });
        let core: Awaited<ReturnType<typeof rebuildAsOf>>;
        try {
          await store.journal.open();
          core = await rebuildAsOf(config.core, store.journal, at);
        } finally {
          await store.close().catch(() => undefined);
        }
        const balances: Record<string, Record<string, Record<string, string>>> = {};
        for (const u of core.ledger.userIds()) {
          const row: Record<string, Record<string, string>> = {};
          for (const [asset, buckets] of Object.entries(core.userBalances(u))) {
            const d = core.decimalsOf(asset);
            row[asset] = Object.fromEntries(Object.entries(buckets).map(([b, x]) => [b, formatDecimal(x, d)]));
          }
          balances[String(u)] = row;
        }
        const system: Record<string, string> = {};
        for (const meta of core.ledger.accounts) if (meta.userId === 0) system[`${meta.asset}:${meta.bucket}`] = formatDecimal(core.ledger.balances[meta.id]!, core.decimalsOf(meta.asset));
        for (const [u, row] of Object.entries(balances)) out.line(`user ${u}: ${Object.entries(row).map(([a, b]) => `${a} ${b.available} avail`).join(', ')}`);
        out.result({ ok: true, seq: core.seq, ts: core.lastTs, users: balances, system });
        return 0;
      }
      case 'migrate': {
        const r = await migrateStore({ dataDir: config.dataDir, ...(config.databaseUrl === null ? {} : { databaseUrl: config.databaseUrl }) });
        out.line(`schema ${r.from} → ${r.to}`);
        out.result({ ok: true, from: r.from, to: r.to });
        return 0;
      }
      case 'audit verify': {
        const store = await openRuntimeStore(config, { readonly: true });
        try {
          const r = await verifyAuditTrail(store);
          out.line(r.ok ? `audit trail ok: ${r.entries} entries` : `audit trail BROKEN at seq ${r.brokenAtSeq}: ${r.reason}`);
          out.result(r);
          return r.ok ? 0 : 1;
        } finally {
          await store.close().catch(() => undefined);
        }
      }
      case 'user create':
      case 'api-key create':
      case 'sandbox deposit':
      case 'staff create':
      case 'bank reconcile':
      case 'status': {
        const req: AdminRequest =
          command === 'user create'
            ? { op: 'user.create', email: required(v.email, '--email'), password: required(v.password, '--password'), ...(v.kyc ? { kyc: v.kyc as 'approved' } : {}), ...(v.name ? { name: v.name } : {}), ...(v.iban ? { iban: v.iban } : {}) }
            : command === 'api-key create'
              ? { op: 'apiKey.create', email: required(v.email, '--email'), perms: required(v.perms, '--perms').split(',') as Array<'read'>, ...(v['ip-allowlist'] ? { ipAllowlist: v['ip-allowlist'].split(',') } : {}) }
              : command === 'sandbox deposit'
                ? { op: 'sandbox.deposit', email: required(v.email, '--email'), asset: required(v.asset, '--asset') as 'AED', amount: required(v.amount, '--amount') }
                : command === 'staff create'
                  ? { op: 'staff.create', email: required(v.email, '--email'), password: required(v.password, '--password'), role: required(v.role, '--role') }
                  : command === 'bank reconcile'
                  ? { op: 'bank.reconcile' }
                  : { op: 'status' };
        let result = await callAdmin(config.dataDir, req);
        if (result === null) {
          const rt = await openRuntime(config);
          try {
            result = await runAdmin(rt, req);
          } finally {
            await rt.close();
          }
        }
        for (const [k, val] of Object.entries(result)) if (k !== 'ok') out.line(`${k}: ${typeof val === 'object' ? JSON.stringify(val) : String(val)}`);
        out.result(result);
        return result.ok === false ? 1 : 0;
      }
      default:
        process.stderr.write(`unknown command: ${command}\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (!v.json) process.stderr.write(`rampart ${command}: ${e instanceof Error ? e.message : String(e)}\n`);
    out.result(errorResult(e));
    return 1;
  }
}

/** `rampart por …`: proof of reserves (src/reserves/cli.ts); publish snapshots the ledger rebuilt from the journal. */
async function por(sub: string, rest: string[], env: Readonly<Record<string, string | undefined>>, write: (s: string) => void): Promise<number> {
  const { porCli } = await import('../reserves/index.ts');
  if (sub !== 'publish') return porCli([sub, ...rest], { write });
  const i = rest.indexOf('--data-dir');
  const config = loadConfig({ dataDir: i >= 0 ? rest[i + 1] : undefined }, env);
  const store = await openRuntimeStore(config, { readonly: true });
  try {
    await store.journal.open();
    const core = await rebuildAsOf(config.core, store.journal, {});
    return porCli(['publish', ...rest], { write, core });
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** `rampart cold-sign`: run on the offline machine that holds the cold seed; never on a server. */
async function coldSign(rest: string[], write: (s: string) => void): Promise<number> {
  const { values: v } = parseArgs({ args: rest, options: { psbt: { type: 'string' }, 'mnemonic-file': { type: 'string' }, approved: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
  const out = makeOut(v.json === true, write);
  try {
    const { coldSignFiles } = await import('../custody/index.ts');
    const r = coldSignFiles({
      psbtFile: required(v.psbt, '--psbt'),
      mnemonicFile: required(v['mnemonic-file'], '--mnemonic-file'),
      approvedFile: required(v.approved, '--approved'),
      ...(v.out === undefined ? {} : { outFile: v.out }),
    });
    out.line(`signed: ${r.outFile}`);
    out.result({ ok: true, outFile: r.outFile, summary: r.summary });
    return 0;
  } catch (e) {
    out.line(`cold-sign refused: ${e instanceof Error ? e.message : String(e)}`);
    out.result(errorResult(e));
    return 1;
  }
}
