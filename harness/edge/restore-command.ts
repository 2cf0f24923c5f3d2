// `headroom edge restore <run>`: puts back the edge weights a run saved before its first change (after a
// SIGKILL, or when a watchdog was not used) and releases its claim. `headroom edge release <run | runtime>`:
// frees a claim without touching weights. <run> is a run folder or a run id under reports/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../common';
import { describeOwner, readClaim, releaseClaim, releaseGeneration } from './claim';
import { claimFileName, readSavedClaim } from './claim-file';
import { RuntimeClient } from './runtime';
import { parseRuntimeAddress } from './runtime-address';
import { restoreFromFile, weightsFile } from './weights-file';

export const edgeUsage =
  'usage: headroom edge restore <run-dir | run-id> [--force]\n       headroom edge release <run-dir | run-id | tcp://host:port | unix:///socket>';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/** The run folder `run` names (a path, or a run id under reports/), or null when neither holds edge files. */
function runFolder(run: string, cwd: string): string | null {
  for (const dir of [path.resolve(cwd, run), path.resolve(cwd, 'reports', run)])
    if (existsSync(weightsFile(dir)) || existsSync(path.join(dir, claimFileName))) return dir;
  return null;
}

export async function edgeCommand(argv: string[], io: Io, opts: { force?: boolean } = {}): Promise<number> {
  const [sub, run, ...rest] = argv;
  if ((sub !== 'restore' && sub !== 'release') || !run || rest.length) {
    io.stderr.write(`${edgeUsage}\n`);
    return ExitCode.usage;
  }
  const runDir = runFolder(run, io.cwd);
  if (sub === 'restore') {
    // Without edge files, restoreFromFile names the missing file (exit 104).
    const dir = runDir ?? path.resolve(io.cwd, 'reports', run);
    const reported = await restoreFromFile(dir, { force: opts.force });
    for (const s of reported) io.stdout.write(`${s.backend}/${s.server} weight ${s.weight}\n`);
    io.stdout.write(`edge weights of ${dir} restored (${reported.length} servers)\n`);
    return ExitCode.ok;
  }
  const saved = runDir ? readSavedClaim(runDir) : null;
  if (runDir && !saved) {
    io.stdout.write(`${runDir} took no claim on an edge: nothing to release\n`);
    return ExitCode.ok;
  }
  const client = new RuntimeClient(parseRuntimeAddress(saved?.runtime ?? run, 'edge release', 'runtime'));
  if (saved) {
    const view = await readClaim(client);
    const released = await releaseGeneration(client, saved.gen, saved.token);
    io.stdout.write(
      released
        ? `edge claim of ${runDir} on ${client.url} released\n`
        : `the claim of ${runDir} on ${client.url} is not held any more (now: ${view.state}${view.owner ? `, ${describeOwner(view)}` : ''})\n`,
    );
    return ExitCode.ok;
  }
  const was = await releaseClaim(client);
  io.stdout.write(
    was.state === 'held' || was.state === 'expired'
      ? `edge claim on ${client.url} released: it was ${was.state}, ${describeOwner(was)}\n`
      : `no claim held on ${client.url} (${was.state})\n`,
  );
  return ExitCode.ok;
}
