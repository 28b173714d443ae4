import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FOUR_EYES_ACTIONS, type FourEyesAction, type FourEyesPayload, type StaffRow } from '../accounts/index.ts';
import { assertStaffCan, createCsrfToken, type StaffAction, verifyCsrfToken } from '../identity/index.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { jsonSchemaOf, parseInput } from './validate.ts';

/**
 * Staff routes under /api/v1/staff. A staff session is separate from customer sessions
 * (own cookie, accountId `staff:<id>`) and exists only after password + TOTP, so every
 * staff route runs with 2FA. Roles come from the staff table, never from the request.
 * Every staff request is appended to the audit trail, and each flow adds its own entry.
 */
export const STAFF_SESSION_COOKIE = '__Host-rampart_staff';
export const STAFF_CSRF_COOKIE = '__Host-rampart_staff_csrf';

function cookie(req: FastifyRequest, name: string): string | undefined {
  const h = req.headers.cookie;
  if (typeof h !== 'string' || h.length > 4096) return undefined;
  for (const part of h.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

interface StaffRoute<B, P> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  permission: StaffAction | null;
  body?: z.ZodType<B>;
  params?: z.ZodType<P>;
  handler: (a: { req: FastifyRequest; reply: FastifyReply; staff: StaffRow; body: B; params: P }) => Promise<unknown>;
}

export function staffPlugin(ctx: ApiContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const authenticate = (req: FastifyRequest): StaffRow => {
      const token = cookie(req, STAFF_SESSION_COOKIE);
      if (token === undefined) throw new ApiError('UNAUTHENTICATED', 'staff authentication required');
      const { staff, session } = ctx.security.authenticateStaff(token);
      if (req.method !== 'GET') verifyCsrfToken(ctx.config.csrfKey, session.tokenHash, req.headers['x-csrf-token'], cookie(req, STAFF_CSRF_COOKIE));
      return staff;
    };
    const route = <B, P>(def: StaffRoute<B, P>) => {
      const schema: Record<string, unknown> = { summary: def.summary, tags: ['staff'], security: [{ staffSession: [] }] };
      if (def.body !== undefined) schema.body = jsonSchemaOf(def.body);
      if (def.params !== undefined) schema.params = jsonSchemaOf(def.params);
      app.route({
        method: def.method,
        url: def.url,
        schema,
        handler: async (req, reply) => {
          // Auth before validation: customers and anonymous callers learn nothing about staff schemas.
          const staff = authenticate(req);
          if (def.permission !== null) assertStaffCan(staff.role, def.permission);
          if (Object.keys((req.query as object | undefined) ?? {}).length > 0) throw new ApiError('PARAM_UNKNOWN', 'staff routes take no query parameters');
          if (def.body === undefined && (req.rawBody ?? '') !== '') throw new ApiError('PARAM_UNKNOWN', 'this route takes no body');
          const body = def.body === undefined ? (undefined as B) : parseInput(def.body, req.body, 'body');
          const params = def.params === undefined ? (undefined as P) : parseInput(def.params, req.params, 'path');
          const out = await def.handler({ req, reply, staff, body, params });
          await ctx.security.audit({ actor: staff.staffId, action: 'staff.request', ip: req.ip, before: null, after: { method: def.method, route: def.url, params: (params ?? null) as unknown } });
          return out;
        },
      });
    };

    app.route({
      method: 'POST',
      url: '/session',
      schema: { summary: 'Staff login: email, password and TOTP code (2FA is mandatory for staff)', tags: ['staff'] },
      handler: async (req, reply) => {
        const d = ctx.loginLimiter.take(`ip:${req.ip}`, ctx.clock());
        if (!d.allowed) throw new ApiError('RATE_LIMITED', 'too many login attempts', { retryAfterMs: d.retryAfterMs });
        const body = parseInput(z.object({ email: z.string().max(254), password: z.string().max(1024), totp: z.string().max(16) }).strict(), req.body, 'body');
        const ua = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '';
        const { staff, token, session } = await ctx.security.staffLogin({ ...body, ip: req.ip, userAgent: ua });
        const csrf = createCsrfToken(ctx.config.csrfKey, session.tokenHash);
        const secure = ctx.config.secureCookies === false ? '' : '; Secure';
        const maxAge = Math.floor(ctx.accounts.sessionPolicy.absoluteTimeoutMs / 1000);
        reply.header('set-cookie', [
          `${STAFF_SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
          `${STAFF_CSRF_COOKIE}=${csrf}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`,
        ]);
        return { staffId: staff.staffId, role: staff.role, csrfToken: csrf };
      },
    });

    route({
      method: 'GET',
      url: '/me',
      summary: 'The logged-in staff member',
      permission: null,
      handler: async ({ staff }) => ({ staffId: staff.staffId, email: staff.email, role: staff.role }),
    });

    const userParam = z.object({ userId: z.string().regex(/^[1-9][0-9]{0,15}$/) }).strict();

    route({
      method: 'GET',
      url: '/kyc/:userId',
      summary: "A customer's KYC record (compliance)",
      permission: 'kyc.view',
      params: userParam,
      handler: async ({ params }) => {
        const rec = ctx.security.kycRecord(Number(params.userId));
        if (rec === null) throw new ApiError('NOT_FOUND', 'no KYC profile submitted');
        return { kyc: rec };
      },
    });

    route({
      method: 'POST',
      url: '/kyc/:userId/review',
      summary: 'Approve or reject a KYC profile (compliance); approval raises the tier and saves the own IBAN',
      permission: 'kyc.review',
      params: userParam,
      body: z.object({ decision: z.enum(['approved', 'rejected']), reason: z.string().max(500).optional() }).strict(),
      handler: async ({ req, staff, params, body }) => {
        const rec = await ctx.security.reviewKyc(staff, Number(params.userId), body.decision, body.reason, req.ip);
        return { status: rec.status };
      },
    });

    const payload = z.union([z.object({ withdrawalId: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/) }).strict(), z.object({ userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), reason: z.string().min(1).max(500) }).strict()]);

    route({
      method: 'POST',
      url: '/proposals',
      summary: 'Propose a four-eyes action (withdrawal.release, account.unlock); another staff member must approve',
      permission: null,
      body: z.object({ action: z.enum(Object.keys(FOUR_EYES_ACTIONS) as [FourEyesAction, ...FourEyesAction[]]), payload }).strict(),
      handler: async ({ req, reply, staff, body }) => {
        const okShape = body.action === 'withdrawal.release' ? 'withdrawalId' in body.payload : 'userId' in body.payload;
        if (!okShape) throw new ApiError('PARAM_INVALID', `payload does not fit ${body.action}`);
        const p = await ctx.security.proposeAction(staff, body.action, body.payload as FourEyesPayload, req.ip);
        reply.code(201);
        return { proposal: p };
      },
    });

    route({
      method: 'GET',
      url: '/proposals',
      summary: 'Open four-eyes proposals',
      permission: null,
      handler: async () => ({ proposals: ctx.security.proposals() }),
    });

    route({
      method: 'POST',
      url: '/proposals/:proposalId/approve',
      summary: 'Approve a proposal (not your own) with the payload hash you were shown; executes once approved',
      permission: null,
      params: z.object({ proposalId: z.string().regex(/^p-[0-9a-f]{24}$/) }).strict(),
      body: z.object({ payloadHash: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
      handler: async ({ req, staff, params, body }) => ({ proposal: await ctx.security.approveAction(staff, params.proposalId, body.payloadHash, req.ip) }),
    });
  };
}
