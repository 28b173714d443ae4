import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../shared/assert.ts';

/**
 * Serves the built web app (src/web/dist) from the exchange itself, with an SPA
 * fallback: any GET that is not an API, WebSocket or docs path and not a file of the
 * build gets index.html, so /status or /staff/kyc load the app, which routes itself.
 *
 * Only the files found in distDir when the plugin is registered are ever served (held
 * in memory, a few hundred KiB): a request path is a key into that table, never a path
 * on disk, so no '..' or encoded trick can read anything else.
 */

export interface WebPluginOptions {
  /** The Vite build output (index.html + assets/). */
  readonly distDir: string;
  /** Paths the SPA fallback must leave alone (their 404 stays the API's). */
  readonly reservedPrefixes?: readonly string[];
}

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

/** Bounds on what is loaded into memory: a build is a few hundred KiB. */
export const DIST_FILES_MAX = 500;
export const DIST_BYTES_MAX = 32 * 1024 * 1024;
export const RESERVED_PREFIXES_DEFAULT = ['/api/', '/api', '/ws', '/docs'] as const;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * A strict Content-Security-Policy: scripts only from this origin (no inline, no eval),
 * no framing (clickjacking on an order form), images also as data: URLs (QR codes).
 * React and lightweight-charts set styles through the CSSOM, which style-src does not
 * govern, so no 'unsafe-inline' is needed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'cross-origin-opener-policy': 'same-origin',
};

/** Reads the build into a table keyed by URL path ('/index.html', '/assets/index-abc.js'). */
export function loadDist(distDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        walk(full);
        continue;
      }
      if (!st.isFile()) continue;
      assert(files.size < DIST_FILES_MAX, 'web build has too many files', { distDir, max: DIST_FILES_MAX });
      bytes += st.size;
      assert(bytes <= DIST_BYTES_MAX, 'web build is too large', { distDir, max: DIST_BYTES_MAX });
      const body = readFileSync(full);
      const urlPath = '/' + relative(distDir, full).split(sep).join('/');
      files.set(urlPath, {
        body,
        type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        // Vite names assets by content hash: they never change under the same name.
        immutable: urlPath.startsWith('/assets/'),
      });
    }
  };
  try {
    walk(distDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return files;
}

const NOT_BUILT_HTML = '<!doctype html><meta charset="utf-8"><title>Rampart</title><p>The web app is not built. Run <code>npm run build:web</code> and restart.</p>';

export async function webPlugin(app: FastifyInstance, options: WebPluginOptions): Promise<void> {
  const files = loadDist(options.distDir);
  const reserved = options.reservedPrefixes ?? RESERVED_PREFIXES_DEFAULT;
  const index = files.get('/index.html');

  const send = (req: FastifyRequest, reply: FastifyReply, f: StaticFile, status = 200) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('etag', f.etag);
    reply.header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
    return reply.code(status).type(f.type).send(f.body);
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (reserved.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } });
    }
    const f = files.get(path);
    if (f !== undefined) return send(req, reply, f);
    // A missing hashed asset is a real 404 (an old tab after a deploy), not the app shell.
    if (path.startsWith('/assets/') || extname(path) !== '') {
      return reply.code(404).headers(SECURITY_HEADERS).type('text/plain; charset=utf-8').send('not found');
    }
    if (index === undefined) return reply.code(503).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(NOT_BUILT_HTML);
    return send(req, reply, index);
  };

  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
