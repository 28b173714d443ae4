import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { z } from 'zod';
import type { ApiPermission } from '../identity/index.ts';
import type { Principal } from './auth.ts';
import { ApiError } from './errors.ts';
import { jsonSchemaOf, parseInput } from './validate.ts';

/** One route: its schemas (validation and documentation), its auth, and its handler. */
export interface RouteDef<Q, B, P> {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly summary: string;
  readonly tags: string[];
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly params?: z.ZodType<P>;
  readonly auth?: ApiPermission;
  /** Auth runs before validation, so anonymous callers learn nothing about private routes' schemas. */
  readonly handler: (a: { req: FastifyRequest; reply: FastifyReply; query: Q; body: B; params: P; principal: Principal | null }) => Promise<unknown>;
}

export type Authenticate = (req: FastifyRequest, permission: ApiPermission) => Principal;

export function addRoute<Q, B, P>(app: FastifyInstance, authenticate: Authenticate, def: RouteDef<Q, B, P>): void {
  const schema: Record<string, unknown> = { summary: def.summary, tags: def.tags };
  if (def.query !== undefined) schema.querystring = jsonSchemaOf(def.query);
  if (def.body !== undefined) schema.body = jsonSchemaOf(def.body);
  if (def.params !== undefined) schema.params = jsonSchemaOf(def.params);
  if (def.auth !== undefined) schema.security = [{ apiKey: [] }, { session: [] }];
  app.route({
    method: def.method,
    url: def.url,
    schema,
    handler: async (req, reply) => {
      const principal = def.auth === undefined ? null : authenticate(req, def.auth);
      const query = def.query === undefined ? (undefined as Q) : parseInput(def.query, req.query, 'query');
      const body = def.body === undefined ? (undefined as B) : parseInput(def.body, req.body, 'body');
      const params = def.params === undefined ? (undefined as P) : parseInput(def.params, req.params, 'path');
      if (def.query === undefined && Object.keys((req.query as object | undefined) ?? {}).length > 0) {
        throw new ApiError('PARAM_UNKNOWN', 'this route takes no query parameters');
      }
      if (def.body === undefined && (req.rawBody ?? '') !== '') {
        // A body on a route that takes none is refused rather than ignored.
        throw new ApiError('PARAM_UNKNOWN', 'this route takes no body');
      }
      return def.handler({ req, reply, query, body, params, principal });
    },
  });
}
