import type { PorStore } from '../reserves/index.ts';
import { reservesPlugin } from './reserves.ts';
import { webPlugin } from '../web/index.ts';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Accounts, AccountSecurity, type AuditSink } from '../accounts/index.ts';
import { identityPlugin } from './identity.ts';
import { staffPlugin } from './staff.ts';
import type { Engine } from '../engine/engine.ts';
import { MemoryReplayCache, rateLimitedError } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import { type ApiConfig, type ApiContext, BODY_LIMIT_BYTES_DEFAULT, makeLimiters } from './context.ts';
import { ApiError, describeError } from './errors.ts';
import { Feed } from './feed.ts';
import { MarketDirectory } from './markets.ts';
import { v1Plugin } from './v1.ts';
import { v3Plugin } from './v3.ts';
import { parseForm } from './validate.ts';
import { wsPlugin } from './ws.ts';

/** The one place errors become responses: `{ error: { code, message } }`, or Binance's `{ code, msg }` under /api/v3. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const d = describeError(err);
  if (d.http >= 500 && d.code === 'INTERNAL') req.log.error({ err }, 'unhandled error');
  if (d.retryAfterS !== undefined) reply.header('retry-after', String(d.retryAfterS));
  if ((req.url ?? '').startsWith('/api/v3')) return reply.code(d.binance.http).send({ code: d.binance.code, msg: d.binance.msg });
  return reply.code(d.http).send({ error: { code: d.code, message: d.message } });
}

export interface BuildAppOptions {
  readonly engine: Engine;
  readonly accounts: Accounts;
  readonly config: ApiConfig;
  readonly clock: () => number;
  /** Serve the built web app (src/web/dist) at / with SPA fallback. */
  readonly webDistDir?: string;
  /** Serve proof-of-reserves publications and customers' proofs. */
  readonly reserves?: PorStore;
  /** Audit trail (the runtime's hash-chained AuditTrail) for security-relevant and staff actions. */
  readonly audit?: AuditSink;
}

/**
 * Assembles the HTTP/WebSocket API in one visible place: body parsers that keep the raw
 * bytes (signatures are verified over what was received), one error handler, per-IP rate
 * limiting, then a plugin per area: native REST (/api/v1), the Binance-compatible subset
 * (/api/v3), WebSocket (/ws) and the OpenAPI document and browsable docs.
 */
export async function buildApp(options: BuildAppOptions): Promise<{ app: FastifyInstance; ctx: ApiContext }> {
  const { engine, accounts, config, clock } = options;
  assert(config.csrfKey.length >= 32, 'csrfKey must be at least 32 bytes');
  const bodyLimit = config.bodyLimitBytes ?? BODY_LIMIT_BYTES_DEFAULT;
  assert(Number.isSafeInteger(bodyLimit) && bodyLimit > 0 && bodyLimit <= 1 << 20, 'bodyLimitBytes must be 1..1 MiB');

  const markets = new MarketDirectory(engine.core.config);
  const feed = new Feed(engine.core, markets);
  engine.onResult(feed.onResult);
  const security = new AccountSecurity(accounts, {
    ...(config.outboxDir === undefined ? {} : { outboxDir: config.outboxDir }),
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(config.loginLockout === undefined ? {} : { lockoutPolicy: config.loginLockout }),
  });
  const ctx: ApiContext = {
    engine,
    accounts,
    security,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    config,
    clock,
    markets,
    feed,
    replay: new MemoryReplayCache(),
    ...makeLimiters(config),
  };

  const app = Fastify({
    // Errors the router raises before any route (bad URL encoding, overlong path parameter) take the same shape.
    frameworkErrors: (err, req, reply) => {
      sendError(err, req, reply);
    },
    logger: false,
    bodyLimit,
    trustProxy: config.trustProxy === true,
    routerOptions: { maxParamLength: 128 },
    return503OnClosing: true,
    // Request ids are not derived from client headers.
    genReqId: (() => {
      let n = 0;
      return () => `r${++n}`;
    })(),
  });

  // zod (in each route) is the only validator; the JSON schemas on routes document them.
  app.setValidatorCompiler(() => (data) => ({ value: data }));

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    req.rawBody = body as string;
    if (body === '') return done(null, undefined);
    jsonParser(req, body as string, done);
  });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    req.rawBody = body as string;
    try {
      done(null, Object.fromEntries(parseForm(body as string)));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.addHook('onRequest', async (req) => {
    const d = ctx.ipLimiter.take(`ip:${req.ip}`, clock());
    if (!d.allowed) throw rateLimitedError(d.retryAfterMs);
  });

  app.setErrorHandler(sendError);
  app.setNotFoundHandler((req, reply) => {
    const d = describeError(new ApiError('NOT_FOUND', 'no such route'));
    if ((req.url ?? '').startsWith('/api/v3')) return reply.code(404).send({ code: d.binance.code, msg: 'no such route' });
    return reply.code(404).send({ error: { code: d.code, message: d.message } });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Rampart API', version: '1', description: 'Native REST (/api/v1), Binance-compatible subset (/api/v3), WebSocket (/ws). See docs/api.md.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          session: { type: 'apiKey', in: 'cookie', name: '__Host-rampart_session' },
          binance: { type: 'apiKey', in: 'header', name: 'X-MBX-APIKEY' },
          staffSession: { type: 'apiKey', in: 'cookie', name: '__Host-rampart_staff' },
        },
      },
    },
  });
  await app.register(websocket, { options: { maxPayload: config.ws?.messageBytesMax ?? 4096 } });
  await app.register(v1Plugin(ctx), { prefix: '/api/v1' });
  await app.register(identityPlugin(ctx), { prefix: '/api/v1' });
  await app.register(staffPlugin(ctx), { prefix: '/api/v1/staff' });
  await app.register(v3Plugin(ctx), { prefix: '/api/v3' });
  if (options.reserves !== undefined) await app.register(reservesPlugin(ctx, options.reserves), { prefix: '/api/v1' });
  const ws = wsPlugin(ctx);
  app.decorate('wsConnections', ws.connections);
  await app.register(ws);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (config.docs !== false) await app.register(swaggerUi, { routePrefix: '/docs' });
  if (options.webDistDir !== undefined) await app.register(webPlugin, { distDir: options.webDistDir });
  await app.ready();
  return { app, ctx };
}
