/** Public surface of the API domain: build the Fastify app; helpers clients and tests use. */
export { type BuildAppOptions, buildApp } from './app.ts';
export { type ApiConfig, type ApiContext, BODY_LIMIT_BYTES_DEFAULT } from './context.ts';
export { ApiError, type ApiErrorCode, describeError, ERROR_TABLE } from './errors.ts';
export { nativeSigningString, SESSION_COOKIE, CSRF_COOKIE } from './auth.ts';
export { CLOSE_SLOW_CONSUMER, WS_DEFAULTS } from './ws.ts';
