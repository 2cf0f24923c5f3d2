// The one run-id format, shared by drills (the run directory's name) and clusters (the run label
// of their containers): sortable by time, safe in a file name and a Docker label.

/** `2026-11-27T18-05-00Z-capacity-drill` for `makeRunId('capacity-drill', at)`. */
export function makeRunId(name: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario';
  return `${stamp}-${safe}`;
}
