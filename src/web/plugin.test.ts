import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY, webPlugin } from './plugin.ts';

describe('webPlugin', () => {
  let dir: string;
  let app: FastifyInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-web-plugin-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(tmpdir(), 'rampart-web-secret.txt'), 'secret');
    app = Fastify();
    app.get('/api/v1/health', async () => ({ ok: true }));
    await app.register(webPlugin, { distDir: dir });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(tmpdir(), 'rampart-web-secret.txt'), { force: true });
  });

  test('/ and client-side routes get index.html with a strict CSP and no caching', async () => {
    for (const url of ['/', '/status', '/staff/kyc', '/login?next=%2F']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      assert.match(r.body, /id="root"/);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  });

  test('hashed assets are immutable and revalidate by ETag', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(String(r.headers['cache-control']), /immutable/);
    const again = await app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal((await app.inject({ method: 'HEAD', url: '/assets/index-abc123.css' })).statusCode, 200);
  });

  test('API, WebSocket and docs paths keep their own 404; the API still answers', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode, 200);
    for (const url of ['/api/v1/nope', '/api', '/ws', '/docs/x']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 404, url);
      assert.deepEqual(r.json(), { error: { code: 'NOT_FOUND', message: 'no such route' } });
    }
  });

  test('hostile paths never reach the disk: only files of the build are served', async () => {
    for (const url of ['/../rampart-web-secret.txt', '/%2e%2e/rampart-web-secret.txt', '/assets/..%2f..%2frampart-web-secret.txt', '/assets/%00.js', '/assets/missing.js', '/favicon.ico', '/index.html%00']) {
      const r = await app.inject({ method: 'GET', url });
      assert.ok(!r.body.includes('secret'), url);
      assert.ok(r.statusCode === 404 || r.statusCode === 400 || (r.statusCode === 200 && r.body.includes('id="root"')), `${url} → ${r.statusCode}`);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode, 404);
  });

  test('without a build, pages say how to build it (503) instead of failing to start', async () => {
    const empty = Fastify();
    await empty.register(webPlugin, { distDir: join(dir, 'does-not-exist') });
    const r = await empty.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 503);
    assert.match(r.body, /npm run build:web/);
    await empty.close();
  });
});
