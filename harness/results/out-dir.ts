// The run directory checked before anything starts: an existing, non-empty
// directory is never written into (an earlier run's steps would be lost or mixed) unless the user says
// to replace it, and then it is moved aside, not deleted; a directory that cannot be written is a
// configuration error naming the path and the OS reason, before a cluster is up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, osReason } from '../common';

export interface OutDirOptions {
  /** Move an existing non-empty directory aside (to `<dir>.replaced-<stamp>`) instead of refusing. */
  replace?: boolean;
  /** The flag named in errors (default --out). */
  flag?: string;
  now?: Date;
}

/** Makes `dir` ready for a new run; returns where an earlier one was moved, if it was. Throws ConfigError (exit 104). */
export function prepareOutDir(dir: string, opts: OutDirOptions = {}): { movedTo: string | null } {
  const flag = opts.flag ?? '--out';
  let movedTo: string | null = null;
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(dir);
  } catch {
    /* absent: created below */
  }
  if (stat && !stat.isDirectory())
    throw new ConfigError(dir, flag, 'exists and is not a directory; expected a new or empty directory for the run');
  const entries = stat ? fs.readdirSync(dir) : [];
  if (entries.length) {
    if (!opts.replace) {
      throw new ConfigError(
        dir,
        flag,
        `exists and is not empty (${entries.length} entries, e.g. ${entries.slice(0, 3).join(', ')}); expected a new or empty directory`,
        'choose another --out, or pass --replace to move the old directory aside (nothing is deleted)',
      );
    }
    movedTo = `${dir}.replaced-${(opts.now ?? new Date()).toISOString().replace(/:/g, '-')}`;
    try {
      fs.renameSync(dir, movedTo);
    } catch (err) {
      throw new ConfigError(dir, flag, `cannot be moved aside to ${movedTo}: ${osReason(err)}`);
    }
  }
  const probe = path.join(dir, `.headroom-write-check-${process.pid}`);
  try {
    makeDir(dir);
    fs.writeFileSync(probe, 'headroom\n');
    fs.rmSync(probe);
  } catch (err) {
    throw new ConfigError(
      dir,
      flag,
      `not writable: ${osReason(err)}; expected a directory the run can write its results to`,
    );
  }
  return { movedTo };
}

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT on a read-only filesystem,
 * so each missing level is made on its own and the first failure is the OS's own.
 */
function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) fs.mkdirSync(d);
}
