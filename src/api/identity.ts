import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiPermission } from '../identity/index.ts';
import { authenticateNative } from './auth.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { addRoute } from './route.ts';

/**
 * Customer identity routes under /api/v1: sign-up, email verification, password reset,
 * TOTP 2FA, sessions and KYC. Anonymous routes answer the same whatever the email (no
 * account enumeration) and are rate limited per IP like the login.
 */
const email = z.string().max(254);
const password = z.string().max(1024);
const token = z.string().max(64);
const code = z.string().max(16);
const recovery = z.string().max(64);

export function identityPlugin(ctx: ApiContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const auth = (req: Parameters<typeof authenticateNative>[1], p: ApiPermission) => authenticateNative(ctx, req, p);
    const r = <Q, B, P>(def: Parameters<typeof addRoute<Q, B, P>>[2]) => addRoute<Q, B, P>(app, auth, def);
    const throttle = (ip: string) => {
      const d = ctx.loginLimiter.take(`ip:${ip}`, ctx.clock());
      if (!d.allowed) throw new ApiError('RATE_LIMITED', 'too many attempts', { retryAfterMs: d.retryAfterMs });
    };
    const sessionOnly = (via: string) => {
      if (via !== 'session') throw new ApiError('FORBIDDEN', 'security settings are changed from a logged-in session');
    };

    r({
      method: 'POST',
      url: '/signup',
      summary: 'Create an account; a confirmation link is mailed. Same answer whether or not the email is registered.',
      tags: ['identity'],
      body: z.object({ email, password }).strict(),
      handler: async ({ req, reply, body }) => {
        throttle(req.ip);
        await ctx.security.signUp({ email: body.email, password: body.password, ip: req.ip });
        reply.code(202);
        return { ok: true, message: 'check your email to confirm the address' };
      },
    });

    r({
      method: 'POST',
      url: '/verify-email',
      summary: 'Confirm the email address with the single-use token from the mail',
      tags: ['identity'],
      body: z.object({ token }).strict(),
      handler: async ({ req, body }) => {
        throttle(req.ip);
        await ctx.security.verifyEmail(body.token, req.ip);
        return { ok: true };
      },
    });

    r({
      method: 'POST',
      url: '/password-reset',
      summary: 'Ask for a password-reset link (same answer whether or not the email is registered)',
      tags: ['identity'],
      body: z.object({ email }).strict(),
      handler: async ({ req, reply, body }) => {
        throttle(req.ip);
        await ctx.security.requestPasswordReset(body.email, req.ip);
        reply.code(202);
        return { ok: true, message: 'if the address is registered, a link is on its way' };
      },
    });

    r({
      method: 'POST',
      url: '/password-reset/confirm',
      summary: 'Set a new password with the single-use reset token; every session is logged out',
      tags: ['identity'],
      body: z.object({ token, password }).strict(),
      handler: async ({ req, body }) => {
        throttle(req.ip);
        await ctx.security.resetPassword({ token: body.token, password: body.password, ip: req.ip });
        return { ok: true };
      },
    });

    r({
      method: 'GET',
      url: '/2fa',
      summary: 'Whether two-factor authentication is on',
      tags: ['identity'],
      auth: 'read',
      handler: async ({ principal }) => ({ enabled: ctx.security.totpEnabled(principal!.userId) }),
    });

    r({
      method: 'POST',
      url: '/2fa/totp',
      summary: 'Start TOTP enrolment: a secret and an otpauth:// URI for a QR code (inactive until confirmed)',
      tags: ['identity'],
      auth: 'trade',
      handler: async ({ principal }) => {
        sessionOnly(principal!.via);
        return ctx.security.beginTotp(principal!.userId);
      },
    });

    r({
      method: 'POST',
      url: '/2fa/totp/confirm',
      summary: 'Confirm enrolment with a code from the app; returns recovery codes (shown once)',
      tags: ['identity'],
      auth: 'trade',
      body: z.object({ code }).strict(),
      handler: async ({ req, principal, body }) => {
        sessionOnly(principal!.via);
        return ctx.security.confirmTotp(principal!.userId, body.code, req.ip);
      },
    });

    r({
      method: 'DELETE',
      url: '/2fa/totp',
      summary: 'Turn TOTP off (needs a current code or a recovery code)',
      tags: ['identity'],
      auth: 'trade',
      body: z.object({ totp: code.optional(), recoveryCode: recovery.optional() }).strict(),
      handler: async ({ req, principal, body }) => {
        sessionOnly(principal!.via);
        await ctx.security.disableTotp(principal!.userId, { totp: body.totp, recoveryCode: body.recoveryCode }, req.ip);
        return { ok: true };
      },
    });

    r({
      method: 'GET',
      url: '/sessions',
      summary: "The caller's live sessions",
      tags: ['identity'],
      auth: 'read',
      handler: async ({ principal }) => ({ sessions: ctx.security.sessions(principal!.userId) }),
    });

    r({
      method: 'DELETE',
      url: '/sessions/:sessionId',
      summary: 'Revoke one of the caller’s sessions',
      tags: ['identity'],
      auth: 'trade',
      params: z.object({ sessionId: z.string().regex(/^[0-9a-f]{32}$/) }).strict(),
      handler: async ({ req, principal, params }) => {
        await ctx.security.revokeSession(principal!.userId, params.sessionId, req.ip);
        return { ok: true };
      },
    });

    r({
      method: 'GET',
      url: '/kyc',
      summary: "The caller's KYC status and profile",
      tags: ['identity'],
      auth: 'read',
      handler: async ({ principal }) => {
        const rec = ctx.security.kycRecord(principal!.userId);
        const status = ctx.accounts.repo.userById(principal!.userId)?.kycStatus ?? 'pending';
        return { status, submitted: rec !== null, profile: rec?.profile ?? null, reason: rec?.reason ?? null };
      },
    });

    r({
      method: 'PUT',
      url: '/kyc',
      summary: 'Submit the KYC profile (Emirates ID, date of birth, nationality, residency, own IBAN); status becomes pending',
      tags: ['identity'],
      auth: 'trade',
      body: z.object({ profile: z.unknown() }).strict(),
      handler: async ({ req, principal, body }) => {
        sessionOnly(principal!.via);
        const rec = await ctx.security.submitKyc(principal!.userId, body.profile, req.ip);
        return { status: rec.status };
      },
    });
  };
}
