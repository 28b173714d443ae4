import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RampartError } from '../shared/errors.ts';

/**
 * One writer per data directory. The store's journal refuses a forked sequence, but two
 * processes must not even try: a second instance (or a CLI command falling back to opening
 * the directory while one runs) would also replay, project and serve stale state.
 * `<dataDir>/rampart.pid` holds the owner's pid; a stale file (dead pid) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'rampart.pid');
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch {
    const pid = Number(readFileSync(path, 'utf8'));
    let alive = false;
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) throw new RampartError('DATA_DIR_LOCKED', `another Rampart process (pid ${pid}) holds ${dataDir}; use its admin socket or stop it first`, { pid, dataDir });
    writeFileSync(path, String(process.pid), { mode: 0o600 });
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}
