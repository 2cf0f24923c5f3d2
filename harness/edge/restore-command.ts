// `headroom edge restore <run>`: puts back the edge weights a run saved before its first change
// (after a SIGKILL, or when a watchdog was not used). <run> is a run folder or a run id under reports/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../common';
import { restoreFromFile, weightsFile } from './weights-file';

export const edgeUsage = 'usage: headroom edge restore <run-dir | run-id>';

export async function edgeCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string },
): Promise<number> {
  const [sub, run, ...rest] = argv;
  if (sub !== 'restore' || !run || rest.length) {
    io.stderr.write(`${edgeUsage}\n`);
    return ExitCode.usage;
  }
  const direct = path.resolve(io.cwd, run);
  const runDir = existsSync(weightsFile(direct)) ? direct : path.resolve(io.cwd, 'reports', run);
  const reported = await restoreFromFile(runDir);
  for (const s of reported) io.stdout.write(`${s.backend}/${s.server} weight ${s.weight}\n`);
  io.stdout.write(`edge weights of ${runDir} restored (${reported.length} servers)\n`);
  return ExitCode.ok;
}
