import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { createStaff, normaliseEmail } from '../accounts/index.ts';
import type { StaffRole } from '../identity/index.ts';
import { isValidIban } from '../banking/iban.ts';
import { demoIban } from './bank.ts';
import { parseDecimal } from '../shared/decimal.ts';
import { RampartError, ValidationError } from '../shared/errors.ts';
import type { Runtime } from './runtime.ts';

/**
 * Operator actions, callable in-process (CLI against a stopped data dir) or over the
 * running instance's admin socket `<dataDir>/admin.sock` (a Unix socket: reachable only
 * by local users with access to the data directory; no network exposure). One JSON
 * request per connection, one JSON reply.
 */
const request = z.discriminatedUnion('op', [
  z.object({ op: z.literal('user.create'), email: z.string().max(254), password: z.string().max(128), kyc: z.enum(['pending', 'approved', 'rejected']).optional(), name: z.string().min(1).max(140).optional(), iban: z.string().min(15).max(42).optional() }).strict(),
  z.object({ op: z.literal('apiKey.create'), email: z.string().max(254), perms: z.array(z.enum(['read', 'trade', 'withdraw'])).min(1).max(3), ipAllowlist: z.array(z.string().max(64)).max(32).optional() }).strict(),
  z.object({ op: z.literal('sandbox.deposit'), email: z.string().max(254), asset: z.enum(['AED', 'BTC', 'ETH']), amount: z.string().max(100) }).strict(),
  z.object({ op: z.literal('status') }).strict(),
  z.object({ op: z.literal('bank.reconcile') }).strict(),
  z.object({ op: z.literal('staff.create'), email: z.string().max(254), password: z.string().max(128), role: z.string().max(32) }).strict(),
]);
export type AdminRequest = z.infer<typeof request>;

export type AdminHandler = (rt: Runtime, req: AdminRequest) => Promise<Record<string, unknown>>;

/** Extra handlers registered by services that exist only in a running instance (sandbox bank, devnets). */
export const adminExtensions = new Map<string, AdminHandler>();

export async function runAdmin(rt: Runtime, raw: unknown): Promise<Record<string, unknown>> {
  const parsed = request.safeParse(raw);
  if (!parsed.success) throw new ValidationError('ADMIN_REQUEST_INVALID', 'bad admin request', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  const req = parsed.data;
  const ext = adminExtensions.get(req.op);
  if (ext !== undefined) return ext(rt, req);
  switch (req.op) {
    case 'user.create': {
      // Everything is validated before the user exists: a bad IBAN must not leave a half-made account.
      const givenIban = req.iban === undefined ? undefined : req.iban.replace(/\s/g, '').toUpperCase();
      if (givenIban !== undefined && !isValidIban(givenIban)) throw new ValidationError('IBAN_INVALID', 'not a valid IBAN');
      const user = await rt.accounts.createUser({ email: req.email, password: req.password });
      if (req.kyc !== undefined) {
        // KYC profile as compliance would record it: the Emirates-ID name and the customer's own IBAN.
        const iban = givenIban ?? (req.kyc === 'approved' ? demoIban(user.id) : undefined);
        rt.accounts.setKyc(user.id, req.kyc, { fullName: req.name ?? user.email.split('@')[0], ...(iban === undefined ? {} : { iban }) });
      }
      await rt.audit.record({ atMs: Date.now(), actor: 'operator:cli', action: 'user.create', ip: '', before: null, after: { userId: user.id, email: user.email, kyc: req.kyc ?? 'pending' } });
      return { ok: true, userId: user.id, email: user.email, kyc: req.kyc ?? 'pending' };
    }
    case 'apiKey.create': {
      const user = rt.accounts.repo.userByEmail(normaliseEmail(req.email));
      if (user === undefined) throw new ValidationError('UNKNOWN_USER', 'no user with that email');
      const key = rt.accounts.createApiKey(user.id, { label: 'cli', permissions: req.perms, ...(req.ipAllowlist ? { ipAllowlist: req.ipAllowlist } : {}) });
      await rt.audit.record({ atMs: Date.now(), actor: 'operator:cli', action: 'apikey.create', ip: '', before: null, after: { userId: user.id, keyId: key.keyId, perms: req.perms } });
      return { ok: true, userId: user.id, apiKey: key.keyId, secret: key.secret, perms: req.perms };
    }
    case 'sandbox.deposit': {
      const user = rt.accounts.repo.userByEmail(normaliseEmail(req.email));
      if (user === undefined) throw new ValidationError('UNKNOWN_USER', 'no user with that email');
      void parseDecimal(req.amount, req.asset === 'AED' ? 2 : req.asset === 'BTC' ? 8 : 18);
      throw new RampartError('SANDBOX_UNAVAILABLE', `sandbox ${req.asset} deposits need a running instance (rampart start --demo) with its sandbox bank and dev chains`);
    }
    case 'staff.create': {
      const out = await createStaff(rt.accounts, { email: req.email, password: req.password, role: req.role as StaffRole }, { audit: rt.audit });
      return { ok: true, staffId: out.staff.staffId, role: out.staff.role, totpSecret: out.totpSecret, otpauthUri: out.otpauthUri };
    }
    case 'bank.reconcile':
      throw new RampartError('BANK_UNAVAILABLE', 'bank reconciliation needs a running instance (rampart start) with its bank rails');
    case 'status':
      return { ok: true, seq: rt.engine.core.seq, users: [...rt.engine.core.ledger.userIds()].length, openOrders: rt.engine.core.orders.size };
  }
}

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, 'admin.sock');
}

export function serveAdmin(rt: Runtime): Server {
  const path = adminSocketPath(rt.config.dataDir);
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      // One request per connection, at most 64 KiB.
      if (buf.length > 65_536) sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let body: unknown;
      try {
        body = JSON.parse(buf.slice(0, nl));
      } catch {
        sock.end(JSON.stringify({ ok: false, error: { code: 'ADMIN_REQUEST_INVALID', message: 'not JSON' } }) + '\n');
        return;
      }
      runAdmin(rt, body).then(
        (r) => sock.end(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n'),
        (e: unknown) => sock.end(JSON.stringify({ ok: false, error: e instanceof RampartError ? e.toJSON() : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } }) + '\n'),
      );
    });
  });
  server.listen(path);
  return server;
}

/** Sends one request to a running instance; null when none is listening. */
export function callAdmin(dataDir: string, req: AdminRequest): Promise<Record<string, unknown> | null> {
  const path = adminSocketPath(dataDir);
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? resolve(null) : reject(e)));
    sock.on('data', (c: string) => {
      buf += c;
    });
    sock.on('end', () => {
      try {
        resolve(JSON.parse(buf) as Record<string, unknown>);
      } catch (e) {
        reject(e);
      }
    });
    sock.write(JSON.stringify(req) + '\n');
  });
}
