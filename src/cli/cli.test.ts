import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { main } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'rampart-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process and returns its exit code and the JSON object on its last line. */
async function cli(...args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const lines: string[] = [];
  const code = await main([...args, '--data-dir', dir, '--json'], { RAMPART_LOG_LEVEL: 'silent' }, (s) => lines.push(s));
  const last = lines.join('').trim().split('\n').pop() || '{}';
  return { code, json: JSON.parse(last) as Record<string, unknown> };
}

test('operator CLI: migrate, users, keys, verify, as-of, audit verify (and tampering is caught)', async () => {
  assert.equal((await cli('migrate')).code, 0);
  const u = await cli('user', 'create', '--email', 'ops@example.com', '--password', 'correct horse battery staple', '--kyc', 'approved');
  assert.equal(u.code, 0);
  assert.equal(u.json.kyc, 'approved');
  const k = await cli('api-key', 'create', '--email', 'ops@example.com', '--perms', 'read,trade');
  assert.equal(k.code, 0);
  assert.match(String(k.json.secret), /^[A-Za-z0-9]{32,}$/);
  const bad = await cli('api-key', 'create', '--email', 'nobody@example.com', '--perms', 'read');
  assert.notEqual(bad.code, 0);
  assert.equal(bad.json.ok, false);

  const v = await cli('verify');
  assert.equal(v.code, 0);
  assert.equal(v.json.ok, true);
  assert.match(String(v.json.state_hash), /^[0-9a-f]{64}$/);
  assert.ok(Number(v.json.commands) >= 1);
  const asOf = await cli('as-of', '--seq', '1');
  assert.equal(asOf.json.seq, 1);

  const a = await cli('audit', 'verify');
  assert.equal(a.json.ok, true);
  assert.equal(a.json.entries, 2);
  // Edit one audit row behind the application's back: the chain breaks.
  const db = new Database(join(dir, 'rampart.db'));
  db.prepare("UPDATE audit_log SET after_json = replace(after_json, 'ops@', 'evil@') WHERE seq = 1").run();
  db.close();
  const broken = await cli('audit', 'verify');
  assert.equal(broken.code, 1);
  assert.equal(broken.json.ok, false);
  assert.equal(broken.json.brokenAtSeq, 1);

  assert.equal((await cli('as-of')).code, 1); // neither --seq nor --time
  assert.equal((await cli('nonsense')).code, 2);
});

test('one process per data directory: a second runtime is refused while the first holds it', async () => {
  const { openRuntime } = await import('./runtime.ts');
  const { loadConfig } = await import('../config/config.ts');
  const d = mkdtempSync(join(tmpdir(), 'rampart-lock-'));
  const config = loadConfig({ dataDir: d, port: 0 }, {});
  const first = await openRuntime(config);
  try {
    const { writeFileSync } = await import('node:fs');
    // Simulate another live process as the owner.
    writeFileSync(join(d, 'rampart.pid'), String(process.ppid));
    await assert.rejects(openRuntime(config), (e: unknown) => (e as { code?: string }).code === 'DATA_DIR_LOCKED');
    writeFileSync(join(d, 'rampart.pid'), String(process.pid));
  } finally {
    await first.close();
    rmSync(d, { recursive: true, force: true });
  }
});
