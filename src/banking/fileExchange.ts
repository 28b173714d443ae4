import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { XML_BYTES_MAX } from '../shared/xml.ts';
import type { BankAdapter, InboundFile } from './bankAdapter.ts';
import { BankingError } from './errors.ts';

/**
 * Folder-based bank channel. Banks' host-to-host services (SFTP or a managed file gateway)
 * deliver statements into a folder and collect payment files from another; the operator mirrors
 * those to local folders (see docs/banking.md) and points this adapter at them:
 *
 *   inbox/               camt.053, camt.054, pain.002 from the bank (read only by us)
 *   outbox/              pain.001 for the bank to collect
 *   archive/in/          processed inbound files, renamed "<sha256>__<name>"
 *   archive/sent/        a copy of every payment file ever submitted (the record that stops a re-send)
 *   archive/duplicates/  inbound files whose exact bytes were already processed
 *   archive/quarantine/  inbound files refused before parsing (too large, unreadable)
 *
 * Never twice: an inbound file is identified by the SHA-256 of its bytes; once archived under
 * that hash, the same bytes under any name are set aside as duplicates. Moves are rename(2),
 * atomic within one filesystem (all folders must be on the same one; EXDEV is reported, not
 * papered over). Payment files are written to a temporary name, fsynced, then renamed, so the
 * bank never collects half a file; a name already sent is never written again.
 */

export interface FileExchangeOptions {
  readonly inboxDir: string;
  readonly outboxDir: string;
  readonly archiveDir: string;
  readonly fileBytesMax?: number;
  /** At most this many files per listInbound call (the rest wait for the next poll). */
  readonly filesPerPollMax?: number;
}

/** Plain file names only: no path separators, no leading dot, bounded length. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** Names that banks' SFTP clients use while a transfer is still in progress. */
const IN_PROGRESS = /\.(tmp|part|filepart|partial|crdownload)$/i;

function checkName(name: string): void {
  if (!SAFE_NAME.test(name) || name.includes('..')) throw new BankingError('FILE_EXCHANGE_NAME', 'file names must be plain, 1..128 of [A-Za-z0-9._-], not starting with a dot', { name: name.slice(0, 140) });
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

async function writeAtomic(dir: string, name: string, content: string): Promise<void> {
  const tmp = join(dir, `.${name}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class FileExchange implements BankAdapter {
  private readonly o: Required<FileExchangeOptions>;
  private processed: Set<string> | undefined;
  private readonly listed = new Map<string, { name: string; hash: string }>();

  private constructor(options: FileExchangeOptions) {
    this.o = { fileBytesMax: XML_BYTES_MAX, filesPerPollMax: 1_000, ...options };
  }

  /** Creates the archive sub-folders and loads the set of processed hashes. */
  static async open(options: FileExchangeOptions): Promise<FileExchange> {
    const fx = new FileExchange(options);
    for (const d of [fx.o.inboxDir, fx.o.outboxDir, ...['in', 'sent', 'duplicates', 'quarantine'].map((s) => join(fx.o.archiveDir, s))]) {
      await mkdir(d, { recursive: true });
    }
    const archived = await readdir(join(fx.o.archiveDir, 'in'));
    fx.processed = new Set(archived.map((n) => n.split('__')[0]!).filter((h) => /^[0-9a-f]{64}$/.test(h)));
    return fx;
  }

  private async move(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new BankingError('FILE_EXCHANGE_MOVE', 'could not move a file (inbox and archive must be on one filesystem)', { code });
    }
  }

  async listInbound(): Promise<InboundFile[]> {
    const processed = this.processed!;
    const entries = await readdir(this.o.inboxDir, { withFileTypes: true });
    // Regular files only: symlinks and folders are ignored (a symlink could point anywhere).
    const names = entries
      .filter((e) => e.isFile() && SAFE_NAME.test(e.name) && !IN_PROGRESS.test(e.name) && /\.xml$/i.test(e.name))
      .map((e) => e.name)
      .sort()
      .slice(0, this.o.filesPerPollMax);
    const out: InboundFile[] = [];
    for (const name of names) {
      const path = join(this.o.inboxDir, name);
      const st = await stat(path);
      if (st.size > this.o.fileBytesMax) {
        await this.move(path, join(this.o.archiveDir, 'quarantine', name));
        continue;
      }
      const bytes = await readFile(path);
      const hash = sha256(bytes);
      if (processed.has(hash)) {
        await this.move(path, join(this.o.archiveDir, 'duplicates', `${hash.slice(0, 16)}__${name}`));
        continue;
      }
      this.listed.set(name, { name, hash });
      out.push({ id: name, name, content: bytes.toString('utf8') });
    }
    return out;
  }

  async acknowledge(id: string): Promise<void> {
    const item = this.listed.get(id);
    if (item === undefined) throw new BankingError('FILE_EXCHANGE_UNKNOWN', 'acknowledge only files returned by listInbound', { id: id.slice(0, 140) });
    const path = join(this.o.inboxDir, item.name);
    const now = sha256(await readFile(path));
    if (now !== item.hash) throw new BankingError('FILE_EXCHANGE_CHANGED', 'the file changed after it was read; it stays in the inbox', { name: item.name });
    const target = join(this.o.archiveDir, 'in', `${item.hash}__${item.name}`);
    if (await exists(target)) throw new BankingError('FILE_EXCHANGE_ARCHIVED', 'this file is already archived', { name: item.name });
    await this.move(path, target);
    this.processed!.add(item.hash);
    this.listed.delete(id);
  }

  /** Moves a listed file to archive/quarantine with a `.reason.txt` beside it; it is never listed again. */
  async reject(id: string, reason: string): Promise<void> {
    const item = this.listed.get(id);
    if (item === undefined) throw new BankingError('FILE_EXCHANGE_UNKNOWN', 'reject only files returned by listInbound', { id: id.slice(0, 140) });
    const base = `${item.hash.slice(0, 16)}__${item.name}`;
    await writeAtomic(join(this.o.archiveDir, 'quarantine'), `${base}.reason.txt`, `${reason.slice(0, 2000)}\n`);
    await this.move(join(this.o.inboxDir, item.name), join(this.o.archiveDir, 'quarantine', base));
    this.listed.delete(id);
  }

  async submitPaymentFile(name: string, xml: string): Promise<void> {
    checkName(name);
    const record = join(this.o.archiveDir, 'sent', name);
    if (await exists(record)) {
      if ((await readFile(record, 'utf8')) === xml) return; // already sent: never hand it over twice
      throw new BankingError('FILE_EXCHANGE_NAME_REUSED', 'a different payment file was already sent under this name', { name });
    }
    if (await exists(join(this.o.outboxDir, name))) throw new BankingError('FILE_EXCHANGE_NAME_REUSED', 'a file with this name is waiting in the outbox', { name });
    // Record first, then publish: a crash in between leaves a record without an outbox file,
    // which the operator sees (docs/banking.md) rather than a payment sent twice.
    await writeAtomic(join(this.o.archiveDir, 'sent'), name, xml);
    try {
      await writeAtomic(this.o.outboxDir, name, xml);
    } catch (e) {
      await rm(join(this.o.outboxDir, `.${name}.tmp`), { force: true });
      throw e;
    }
  }
}
