// The weights a drill finds on someone else's HAProxy are what it puts back at the end: they must be the
// configured ones (HAProxy's "initial" weights), or a drained state left by someone would be put back as normal.
import { ClusterError } from '../common';
import type { WeightSnapshot } from './runtime';

/** Servers of the drilled backends whose weight now is not the configured one. */
export function unconfiguredWeights(
  snapshot: WeightSnapshot,
  backends: readonly string[],
): { backend: string; server: string; weight: number; initial: number }[] {
  return snapshot.servers.filter((s) => backends.includes(s.backend) && s.weight !== s.initial);
}

const list = (d: ReturnType<typeof unconfiguredWeights>) =>
  d.map((s) => `${s.backend}/${s.server} weight ${s.weight} (configured ${s.initial})`).join(', ');

/**
 * Throws a ClusterError naming each server with both weights unless `force`; with `force` returns the warning
 * to log (null when every weight is the configured one).
 */
export function checkFoundWeights(
  snapshot: WeightSnapshot,
  backends: readonly string[],
  opts: { force?: boolean } = {},
): string | null {
  const differ = unconfiguredWeights(snapshot, backends);
  if (differ.length === 0) return null;
  if (opts.force)
    return `edge: --force: the weights found are not the configured ones and are taken as those to put back at the end: ${list(differ)}`;
  throw new ClusterError(
    `edge: HAProxy at ${snapshot.runtime} runs other weights than its configured ones: ${list(differ)}. ` +
      'A drill puts back the weights it finds, so a state left drained by someone would be put back as normal',
    undefined,
    undefined,
    'set them back first (a drill killed before its end: `headroom edge restore <its run>`), or --force to take them as found',
  );
}
