// A lock between processes: a folder (mkdir is atomic) holding its owner's pid. A second process waits for
// the first to finish; a lock whose owner died (pid gone, or no owner written within 10 s) is taken over.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs `f` holding the lock `lockDir`; waits at most `waitMs` for another holder to finish. */
export async function withLock<T>(lockDir: string, f: () => Promise<T>, waitMs = 15 * 60_000): Promise<T> {
  const owner = path.join(lockDir, 'owner');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(owner, `${process.pid}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let stale = false;
    try {
      stale = !alive(Number(readFileSync(owner, 'utf8')));
    } catch {
      // No owner yet: the holder is between its mkdir and its write, unless it died there.
      try {
        stale = Date.now() - statSync(lockDir).mtimeMs > 10_000;
      } catch {
        // the lock went away meanwhile: try again
      }
    }
    if (stale) {
      // Moved aside first: of two processes that found it stale, only one removes it.
      const aside = `${lockDir}.stale-${process.pid}`;
      try {
        renameSync(lockDir, aside);
        rmSync(aside, { recursive: true, force: true });
      } catch {
        // the other one took it
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockDir}: still held by pid ${readOwner(owner)} after ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return await f();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '?';
  }
}
