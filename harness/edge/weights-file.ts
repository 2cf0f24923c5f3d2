// The weights found at start, saved in the run folder before the first change (edge-weights.json,
// temp file + rename) so that `headroom edge restore <run>` or the watchdog can put them back after a crash,
// unless another run holds the edge now; the run's own claim is released once they are back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common';
import { EdgeClaimHeld, readClaim, releaseGeneration } from './claim';
import { readSavedClaim } from './claim-file';
import { RuntimeClient, type ServerWeight, type WeightSnapshot } from './runtime';
import { parseRuntimeAddress } from './runtime-address';

export const weightsFileName = 'edge-weights.json';

export const weightsFile = (runDir: string): string => path.join(runDir, weightsFileName);

/** Writes the snapshot unless one is already there: the first one holds the weights before any change. */
export function saveWeights(runDir: string, snapshot: WeightSnapshot): boolean {
  const file = weightsFile(runDir);
  if (existsSync(file)) return false;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, ...snapshot }, null, 2)}\n`);
  renameSync(tmp, file);
  return true;
}

export function readWeights(runDir: string): WeightSnapshot {
  const file = weightsFile(runDir);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      file,
      '',
      `cannot read the saved edge weights (${(err as Error).message})`,
      'was this run started with an edge? the file is written before the first weight change',
    );
  }
  const d = data as Partial<WeightSnapshot> & { version?: number };
  if (d.version !== 1) throw new ConfigError(file, 'version', `expected 1, got ${JSON.stringify(d.version)}`);
  if (typeof d.runtime !== 'string')
    throw new ConfigError(file, 'runtime', `expected the runtime API address, got ${JSON.stringify(d.runtime)}`);
  if (!Array.isArray(d.servers)) throw new ConfigError(file, 'servers', 'expected a list of servers');
  d.servers.forEach((s: ServerWeight, i) => {
    if (
      typeof s?.backend !== 'string' ||
      typeof s.server !== 'string' ||
      !Number.isInteger(s.weight) ||
      s.weight < 0 ||
      s.weight > 256
    ) {
      throw new ConfigError(
        file,
        `servers[${i}]`,
        `expected { backend, server, weight 0-256 }, got ${JSON.stringify(s)}`,
      );
    }
  });
  parseRuntimeAddress(d.runtime, file, 'runtime');
  return { runtime: d.runtime, takenAt: String(d.takenAt ?? ''), servers: d.servers };
}

/**
 * Puts the run's saved weights back at the HAProxy they were read from and releases the run's claim; returns what
 * HAProxy reports afterwards. Refused (EdgeClaimHeld) while another run holds the edge, unless `force`.
 */
export async function restoreFromFile(
  runDir: string,
  opts: { timeoutMs?: number; force?: boolean } = {},
): Promise<ServerWeight[]> {
  const snapshot = readWeights(runDir);
  const client = new RuntimeClient(parseRuntimeAddress(snapshot.runtime, weightsFile(runDir), 'runtime'), opts);
  const mine = readSavedClaim(runDir);
  const now = await readClaim(client).catch(() => null);
  if (now?.state === 'held' && now.token !== (mine?.token ?? null) && !opts.force) throw new EdgeClaimHeld(now);
  const reported = await client.restoreWeights(snapshot);
  if (mine) await releaseGeneration(client, mine.gen, mine.token);
  return reported;
}
