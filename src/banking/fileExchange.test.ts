import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BankingError } from './errors.ts';
import { FileExchange } from './fileExchange.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function setup(opts: { fileBytesMax?: number } = {}): Promise<{ root: string; fx: FileExchange; inbox: string; outbox: string; archive: string }> {
  const root = await mkdtemp(join(tmpdir(), 'rampart-fx-'));
  roots.push(root);
  const [inbox, outbox, archive] = ['inbox', 'outbox', 'archive'].map((d) => join(root, d)) as [string, string, string];
  const fx = await FileExchange.open({ inboxDir: inbox, outboxDir: outbox, archiveDir: archive, ...opts });
  return { root, fx, inbox, outbox, archive };
}
const isCode = (code: string) => (e: unknown) => e instanceof BankingError && e.code === code;

test('lists complete XML files in name order, skipping temporary, hidden, non-XML files and symlinks', async () => {
  const { fx, inbox } = await setup();
  await writeFile(join(inbox, 'b-camt053.xml'), '<b/>');
  await writeFile(join(inbox, 'a-camt054.xml'), '<a/>');
  await writeFile(join(inbox, 'c.xml.part'), '<c/>');
  await writeFile(join(inbox, '.hidden.xml'), '<h/>');
  await writeFile(join(inbox, 'notes.txt'), 'x');
  await symlink('/etc/passwd', join(inbox, 'link.xml'));
  const files = await fx.listInbound();
  assert.deepEqual(files.map((f) => [f.name, f.content]), [['a-camt054.xml', '<a/>'], ['b-camt053.xml', '<b/>']]);
});

test('acknowledged files move to the archive and are never processed twice, even re-delivered under a new name or after a restart', async () => {
  const { fx, inbox, outbox, archive } = await setup();
  await writeFile(join(inbox, 'stmt-1.xml'), '<s1/>');
  const [f] = await fx.listInbound();
  await fx.acknowledge(f!.id);
  assert.deepEqual(await readdir(inbox), []);
  assert.equal((await readdir(join(archive, 'in')))[0]!.endsWith('__stmt-1.xml'), true);
  await assert.rejects(fx.acknowledge(f!.id), isCode('FILE_EXCHANGE_UNKNOWN'));
  // The bank re-delivers the same bytes under another name; a restarted process still knows.
  await writeFile(join(inbox, 'stmt-1-resend.xml'), '<s1/>');
  const restarted = await FileExchange.open({ inboxDir: inbox, outboxDir: outbox, archiveDir: archive });
  assert.deepEqual(await restarted.listInbound(), []);
  assert.equal((await readdir(join(archive, 'duplicates'))).length, 1);
  // Same name, new content is a new file.
  await writeFile(join(inbox, 'stmt-1.xml'), '<s2/>');
  assert.equal((await restarted.listInbound()).length, 1);
});

test('a file that changes between read and acknowledge stays in the inbox', async () => {
  const { fx, inbox } = await setup();
  await writeFile(join(inbox, 'x.xml'), '<x/>');
  const [f] = await fx.listInbound();
  await writeFile(join(inbox, 'x.xml'), '<x>changed</x>');
  await assert.rejects(fx.acknowledge(f!.id), isCode('FILE_EXCHANGE_CHANGED'));
  assert.deepEqual(await readdir(inbox), ['x.xml']);
});

test('a file that can never be processed is quarantined with its reason', async () => {
  const { fx, inbox, archive } = await setup();
  await writeFile(join(inbox, 'junk.xml'), '<html>502</html>');
  const [f] = await fx.listInbound();
  await fx.reject(f!.id, 'BANK_FILE_UNKNOWN');
  assert.deepEqual(await readdir(inbox), []);
  const q = (await readdir(join(archive, 'quarantine'))).sort();
  assert.equal(q.length, 2);
  assert.equal(await readFile(join(archive, 'quarantine', q.find((n) => n.endsWith('.reason.txt'))!), 'utf8'), 'BANK_FILE_UNKNOWN\n');
  assert.deepEqual(await fx.listInbound(), []);
});

test('oversized files are quarantined unread', async () => {
  const { fx, inbox, archive } = await setup({ fileBytesMax: 10 });
  await writeFile(join(inbox, 'big.xml'), '<x>0123456789</x>');
  assert.deepEqual(await fx.listInbound(), []);
  assert.deepEqual(await readdir(join(archive, 'quarantine')), ['big.xml']);
});

test('payment files: atomic publish, idempotent by name even after the bank collected them, names checked', async () => {
  const { fx, outbox, archive } = await setup();
  await fx.submitPaymentFile('pain001-RPPAIN-1.xml', '<p1/>');
  assert.deepEqual(await readdir(outbox), ['pain001-RPPAIN-1.xml']);
  assert.equal(await readFile(join(archive, 'sent', 'pain001-RPPAIN-1.xml'), 'utf8'), '<p1/>');
  await rm(join(outbox, 'pain001-RPPAIN-1.xml')); // the bank collected it
  await fx.submitPaymentFile('pain001-RPPAIN-1.xml', '<p1/>');
  assert.deepEqual(await readdir(outbox), [], 'a collected payment file is never offered again');
  await assert.rejects(fx.submitPaymentFile('pain001-RPPAIN-1.xml', '<other/>'), isCode('FILE_EXCHANGE_NAME_REUSED'));
  for (const bad of ['../escape.xml', 'a/b.xml', '.hidden.xml', '', 'x'.repeat(200), 'nul\u0000.xml']) {
    await assert.rejects(fx.submitPaymentFile(bad, '<x/>'), isCode('FILE_EXCHANGE_NAME'), bad);
  }
});
