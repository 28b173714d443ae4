import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeCommand, encodeCommand } from './codec.ts';
import { JournalError } from './errors.ts';
import { FileJournal } from './fileJournal.ts';
import { Journal, readChain } from './journal.ts';
import { GENESIS_HASH } from './record.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rampart-journal-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const payload = (i: number) => encodeCommand({ type: 'deposit', ts: 1000 + i, userId: 1, asset: 'BTC', amount: BigInt(i) * 10n ** 20n, source: 'chain', ref: `tx${i}` });

async function write(dir: string, n: number): Promise<void> {
  const j = new Journal(new FileJournal(dir));
  await j.open();
  await Promise.all(Array.from({ length: n }, (_, i) => j.append(payload(j.lastSeq + i + 1 - i + i))));
  await j.close();
}

async function readAll(dir: string): Promise<number> {
  const b = new FileJournal(dir, { readOnly: true });
  await b.open();
  const r = await readChain(b, 1, GENESIS_HASH, () => undefined);
  return r.records;
}

test('codec keeps bigints exact', () => {
  const c = decodeCommand(payload(7));
  assert.ok(c.type === 'deposit' && c.amount === 7n * 10n ** 20n);
  assert.throws(() => decodeCommand(new TextEncoder().encode('{"amount":{"$n":"1e5"}}')), JournalError);
  assert.throws(() => decodeCommand(new Uint8Array([0xff, 0xfe])), JournalError);
});

test('group commit: many appends, one chain, reopen continues it', async () => {
  const dir = tmp();
  const j = new Journal(new FileJournal(dir));
  await j.open();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => j.append(payload(i))));
  assert.ok(j.groups < 1000, `groups ${j.groups}`);
  await j.close();
  const j2 = new Journal(new FileJournal(dir));
  await j2.open();
  assert.equal(j2.lastSeq, 1000);
  await j2.append(payload(1001));
  await j2.close();
  assert.equal(await readAll(dir), 1001);
});

test('a torn tail is cut; a damaged record in the middle is refused; tampering breaks the chain', async () => {
  const dir = tmp();
  await write(dir, 50);
  const path = join(dir, 'journal.rjr');
  // Torn write: half a record at the end.
  const whole = readFileSync(path);
  appendFileSync(path, whole.subarray(0, 30));
  const fj = new FileJournal(dir);
  const { lastSeq } = await fj.open();
  assert.equal(lastSeq, 50);
  assert.equal(fj.tornBytesCut, 30);
  await fj.close();
  assert.equal(readFileSync(path).length, whole.length);

  // Flip one byte inside record 10's payload: checksum fails, and it is not the tail.
  const bad = Buffer.from(whole);
  const big = Buffer.concat([bad, Buffer.alloc(17 * 1024 * 1024, 0)]);
  big[10 * 100] = big[10 * 100]! ^ 0xff;
  writeFileSync(path, big);
  await assert.rejects(new FileJournal(dir).open(), (e: unknown) => e instanceof JournalError && (e.code === 'JOURNAL_CORRUPT' || e.code === 'JOURNAL_SEQ_GAP'));

  // Re-framed tampering (valid checksums, edited payload) breaks the hash chain.
  const dir2 = tmp();
  await write(dir2, 5);
  const b = new FileJournal(dir2, { readOnly: true });
  await b.open();
  const frames = await b.read(1, 5);
  const { encodeRecord } = await import('./record.ts');
  const forged = encodeRecord(3, new Uint8Array(32).fill(7), payload(999)).frame;
  const rebuilt = Buffer.concat([frames[0]!.frame, frames[1]!.frame, forged, frames[3]!.frame, frames[4]!.frame]);
  writeFileSync(join(dir2, 'journal.rjr'), rebuilt);
  await assert.rejects(readAll(dir2), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_CHAIN_BROKEN');
});

test('a second writer is locked out', async () => {
  const dir = tmp();
  const a = new FileJournal(dir);
  await a.open();
  // Simulate another live process holding the lock.
  writeFileSync(join(dir, 'journal.lock'), String(process.ppid));
  await assert.rejects(new FileJournal(dir).open(), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_LOCKED');
  await a.close();
});

test('kill -9: every acknowledged record survives', async () => {
  const dir = tmp();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'appender.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  let buf = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (/^\d+$/.test(l)) acked = Math.max(acked, Number(l));
      if (acked >= 3000) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => child.on('exit', r));
  const durable = await readAll(dir).catch(async () => {
    // Torn tail from the kill: open for write cuts it.
    const fj = new FileJournal(dir);
    await fj.open();
    await fj.close();
    return readAll(dir);
  });
  assert.ok(durable >= acked, `durable ${durable} < acknowledged ${acked}`);
});
