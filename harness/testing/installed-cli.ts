// The CLI as a user gets it: this checkout built (make build), packed (`npm pack`) and installed from the
// tarball into an empty folder, run as node_modules/.bin/headroom. One install per packed tarball, cached by
// its hash and shared by every test file (a lock makes a second caller wait, then reuse the first's install).
// Run as a script, it installs ahead of the tests (see the end of this file), so the test files find it cached.
// In a test file (a cold install takes 20-60 s: give the hook a long timeout):
//   let cli: InstalledCli;
//   before(async () => { cli = await installedCli(); }, { timeout: 15 * 60_000 });
//   const r = await cli.run(['drill', 'my.ts', '--agents', '2'], { cwd: work, env: { HEADROOM_LIVE: '0' } });
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLock } from './dir-lock';

const checkout = path.resolve(__dirname, '..', '..');
// Outside the checkout on purpose: an install under it would find the checkout's node_modules by walking up
// (as require() does), and a dependency missing from the package would go unnoticed.
const cacheRoot = path.join(os.tmpdir(), 'headroom-installed');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface InstalledCli {
  /** The install folder (holds node_modules/headroom and node_modules/.bin/headroom). */
  dir: string;
  /** node_modules/.bin/headroom: the command a user runs. */
  bin: string;
  /** node_modules/headroom: the installed package. */
  packageDir: string;
  /** The packed tarball's sha256, first 16 hex digits (the cache key). */
  hash: string;
  /** Runs `headroom ...args` to its end (SIGKILL after `timeoutMs`, default 120 s). */
  run(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun>;
  /** Starts `headroom ...args` and returns the child process (the caller stops it). */
  start(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess;
}

export interface InstallTimes {
  /** Whether this call installed (false: the cached install of the same tarball was reused). */
  installed: boolean;
  buildMs: number;
  packMs: number;
  installMs: number;
}

let once: Promise<InstalledCli & { times: InstallTimes }> | undefined;

/**
 * The installed CLI of this checkout's current sources: builds dist/ when stale, packs, and installs the
 * tarball unless an install of the same tarball is cached. Once per process; across processes the lock
 * and the cache make it once per source state.
 */
export function installedCli(): Promise<InstalledCli & { times: InstallTimes }> {
  once ??= install();
  return once;
}

async function install(): Promise<InstalledCli & { times: InstallTimes }> {
  mkdirSync(cacheRoot, { recursive: true });
  const staging = path.join(checkout, '.cache', 'installed');
  mkdirSync(staging, { recursive: true });
  const times: InstallTimes = { installed: false, buildMs: 0, packMs: 0, installMs: 0 };
  // The build and the pack write into this checkout: one test file at a time.
  const tarball = await withLock(path.join(staging, 'build.lock'), async () => {
    let t = performance.now();
    await exec('make', ['--no-print-directory', '-s', 'build'], checkout);
    times.buildMs = performance.now() - t;
    t = performance.now();
    const packDir = path.join(staging, `pack-${process.pid}`);
    rmSync(packDir, { recursive: true, force: true });
    mkdirSync(packDir);
    await exec('npm', ['pack', '--silent', '--pack-destination', packDir], checkout);
    const [file] = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    if (!file) throw new Error(`npm pack wrote no tarball into ${packDir}`);
    const bytes = readFileSync(path.join(packDir, file));
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const kept = path.join(staging, `headroom-${hash}.tgz`);
    renameSync(path.join(packDir, file), kept);
    rmSync(packDir, { recursive: true, force: true });
    for (const f of readdirSync(staging))
      if (/^headroom-.*\.tgz$/.test(f) && f !== path.basename(kept)) rmSync(path.join(staging, f));
    times.packMs = performance.now() - t;
    return { file: kept, hash };
  });
  const dir = path.join(cacheRoot, tarball.hash);
  const complete = path.join(dir, '.complete');
  if (!existsSync(complete)) {
    await withLock(`${dir}.lock`, async () => {
      if (existsSync(complete)) return; // another process installed it while this one waited
      const t = performance.now();
      rmSync(dir, { recursive: true, force: true }); // a half-done install of a process that died
      mkdirSync(dir);
      writeFileSync(
        path.join(dir, 'package.json'),
        `${JSON.stringify({ name: 'headroom-installed', private: true })}\n`,
      );
      copyFileSync(tarball.file, path.join(dir, 'headroom.tgz'));
      await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', './headroom.tgz'], dir);
      writeFileSync(complete, `${new Date().toISOString()}\n`);
      times.installed = true;
      times.installMs = performance.now() - t;
    });
  }
  // Each use marks the install as recent; installs of other source states unused for a day go.
  utimesSync(complete, new Date(), new Date());
  prune(tarball.hash);
  const bin = path.join(dir, 'node_modules', '.bin', 'headroom');
  const packageDir = path.join(dir, 'node_modules', 'headroom');
  const start: InstalledCli['start'] = (args, opts = {}) =>
    spawn(bin, args, {
      cwd: opts.cwd ?? dir,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const run: InstalledCli['run'] = (args, opts = {}) =>
    new Promise((resolve) => {
      const child = start(args, opts);
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  return { dir, bin, packageDir, hash: tarball.hash, run, start, times };
}

/** Removes installs not used for a day (none locked at the moment), never `keep`. */
function prune(keep: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const dir = path.join(cacheRoot, name);
    if (name === keep || !/^[0-9a-f]{16}$/.test(name) || existsSync(`${dir}.lock`)) continue;
    try {
      if (Date.now() - statSync(path.join(dir, '.complete')).mtimeMs < 24 * 3600_000) continue;
    } catch {
      continue; // being installed, or a half-done install that its next user redoes
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function exec(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}): ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

// Set-up before the tests (`make test` runs it once the build is done), so that no test file pays for a cold
// install: `node --require ./harness/testing/swc-register.js harness/testing/installed-cli.ts`.
if (require.main === module) {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  installedCli().then(
    ({ dir, times }) =>
      process.stdout.write(
        `installed CLI ${dir}: build ${s(times.buildMs)}, pack ${s(times.packMs)}, ` +
          `${times.installed ? `install ${s(times.installMs)}` : 'install cached'}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`installed CLI: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
