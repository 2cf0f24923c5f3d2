// The run's claim on an edge, kept in its folder (edge-claim.json): which generation and token it wrote,
// so that `headroom edge restore <run>` releases that claim, and only that one, after a crash.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common';

export const claimFileName = 'edge-claim.json';

export interface SavedClaim {
  runtime: string;
  gen: number;
  token: string;
}

export function saveClaim(runDir: string, claim: SavedClaim): void {
  const file = path.join(runDir, claimFileName);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ version: 1, ...claim }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The run's claim, or null when it took none (a managed edge, a run from before claims). */
export function readSavedClaim(runDir: string): SavedClaim | null {
  const file = path.join(runDir, claimFileName);
  if (!existsSync(file)) return null;
  const d = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedClaim> & { version?: number };
  if (d.version !== 1 || typeof d.runtime !== 'string' || !Number.isInteger(d.gen) || typeof d.token !== 'string')
    throw new ConfigError(file, '', `expected { version: 1, runtime, gen, token }, got ${JSON.stringify(d)}`);
  return { runtime: d.runtime, gen: d.gen as number, token: d.token };
}
