// The one run-id format, shared by drills (the run directory's name) and clusters (the run label
// of their containers): sortable by time, safe in a file name and a Docker label, and unique even
// for two runs started in the same millisecond (a short random suffix).
import { randomBytes } from 'node:crypto';

/** `2026-11-27T18-05-00.123Z-capacity-drill-3f9a` for `makeRunId('capacity-drill', at)`. */
export function makeRunId(name: string, at: Date, suffix: string = randomBytes(2).toString('hex')): string {
  const stamp = at.toISOString().replace(/:/g, '-');
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario';
  return `${stamp}-${safe}-${suffix}`;
}
