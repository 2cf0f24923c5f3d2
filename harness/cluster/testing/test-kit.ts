// Helpers of the docker tests: the docker CLI as an independent witness of what the driver did,
// and the headroom CLI run as a child process.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

export const projectRoot = path.join(__dirname, '..', '..', '..');
export const headroomJs = path.join(projectRoot, 'harness', 'cli', 'headroom.js');

export function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

/** Ids of every container (running or not) carrying `label` (`key` or `key=value`). */
export async function containersWithLabel(label: string): Promise<string[]> {
  return (await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${label}`])).split('\n').filter(Boolean);
}

export interface Inspected {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean };
  Config: { Labels: Record<string, string>; Env: string[]; Image: string };
  HostConfig: { NetworkMode: string; NanoCpus: number; Memory: number; RestartPolicy: { Name: string } };
}

export async function inspect(ids: string[]): Promise<Inspected[]> {
  if (!ids.length) return [];
  return JSON.parse(await docker(['inspect', ...ids])) as Inspected[];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node harness/cli/headroom.js ...args` to its end. */
export function headroom(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [headroomJs, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
