// The reference service seen from the harness: where its files are, what the image must hold
// (deps.json and the npm dependency closure), and a launcher that runs it as a child process
// (for tests of the load engine and drills that need a real server without Docker).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterError, sourceDir } from '../../harness/common';

/** The service's own files (JS, protos, deps.json): in the sources, also when the harness runs compiled from dist/. */
export const referenceDir = sourceDir(__dirname);
export const referenceEntry = path.join(referenceDir, 'server.js');
export const feedProtoPath = path.join(referenceDir, 'feed.proto');
export const healthProtoPath = path.join(referenceDir, 'health.proto');
/** gRPC service names as the health service knows them. */
export const feedServiceName = 'headroom.feed.v1.Feed';

export interface ReferenceDeps {
  /** Entry file, relative to referenceDir. */
  entry: string;
  /** Files the image needs, relative to referenceDir. */
  files: string[];
  /** Top-level npm packages required at run time. */
  packages: string[];
}

export function referenceDeps(dir = referenceDir): ReferenceDeps {
  return JSON.parse(readFileSync(path.join(dir, 'deps.json'), 'utf8')) as ReferenceDeps;
}

/**
 * The package folders (absolute) that `packages` need at run time, resolved from `fromDir` the way Node's
 * require() does: `dependencies` and `optionalDependencies` followed, each looked up in the node_modules of
 * the requiring folder and of every folder above it. From a checkout they sit in its node_modules; from an
 * installed package, mostly in the node_modules that holds headroom itself. Sorted, without duplicates.
 */
export function dependencyClosure(fromDir: string, packages: string[]): string[] {
  const found = new Set<string>();
  const resolveFrom = (dir: string, name: string): string => {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      // A package's own folder never holds it: node_modules/node_modules is not searched.
      if (path.basename(d) !== 'node_modules') {
        const candidate = path.join(d, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      }
      if (path.dirname(d) === d) break;
    }
    throw new ClusterError(
      `reference image: npm package '${name}' needed by ${dir === fromDir ? 'the reference service' : dir} is not installed in ${fromDir} or any folder above it`,
      undefined,
      undefined,
      'run npm ci (in a checkout) or reinstall headroom',
    );
  };
  const visit = (dir: string) => {
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys(pkg.dependencies ?? {})) visit(resolveFrom(dir, name));
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      try {
        visit(resolveFrom(dir, name));
      } catch {
        // An optional dependency may be absent; Node copes, so does the image.
      }
    }
  };
  for (const name of packages) visit(resolveFrom(fromDir, name));
  return [...found].sort();
}

/** The reference service as the image holds it: every path relative to the image's /app. */
export interface ReferenceLayout {
  /** The service's entry (server.js). */
  entry: string;
  /** deps.json's files: where each goes and where it is read from. */
  files: { rel: string; source: string }[];
  /** The npm closure's package folders: where each goes and where it is read from. */
  packages: { rel: string; dir: string }[];
}

/**
 * Where the service's files and its npm closure go in the image: at the same places relative to each other
 * as on this machine, below the highest folder whose node_modules supplied a package, so that require()
 * in the image finds what it finds here (a checkout: clusters/reference/ beside node_modules/; an installed
 * package: node_modules/headroom/clusters/reference/ beside the node_modules that holds its dependencies).
 */
export function referenceLayout(dir = referenceDir): ReferenceLayout {
  const deps = referenceDeps(dir);
  const dirs = dependencyClosure(dir, deps.packages);
  const base = outsideNodeModules(commonAncestor([dir, ...dirs]));
  const rel = (p: string) => path.relative(base, p).split(path.sep).join('/');
  return {
    entry: rel(path.join(dir, deps.entry)),
    files: deps.files.map((f) => ({ rel: rel(path.join(dir, f)), source: path.join(dir, f) })),
    packages: dirs.map((dir) => ({ rel: rel(dir), dir })),
  };
}

function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => path.resolve(p).split(path.sep));
  const common: string[] = [];
  for (let i = 0; split.every((s) => i < s.length && s[i] === split[0][i]); i++) common.push(split[0][i]);
  return common.join(path.sep) || path.sep;
}

/** The folder above the first node_modules of a path (itself when it has none). */
function outsideNodeModules(p: string): string {
  const parts = p.split(path.sep);
  const i = parts.indexOf('node_modules');
  return i < 0 ? p : parts.slice(0, i).join(path.sep) || path.sep;
}

export interface ReferenceOptions {
  httpPort: number;
  grpcPort: number;
  host?: string;
  replica?: string;
  workers?: number;
  feedCpuMs?: number;
  likeCpuMs?: number;
  backendWaitMs?: number;
  errorRate?: number;
  /** Extra environment, e.g. to pass deliberately invalid values. */
  env?: Record<string, string>;
  /** How long to wait for the start line before giving up (default 20 s). */
  startTimeoutMs?: number;
}

export interface RunningReference extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `127.0.0.1:PORT` */
  grpc: string;
  pid: number;
  child: ChildProcess;
  /** Everything the service wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit; SIGKILL after `graceMs` (default 8000). Resolves with the exit code (null if killed). Safe to call twice. */
  stop(graceMs?: number): Promise<number | null>;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Runs `node server.js` as a child process and resolves once it logged its start line. */
export function startReference(opts: ReferenceOptions): Promise<RunningReference> {
  const host = opts.host ?? '127.0.0.1';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HTTP_PORT: String(opts.httpPort),
    GRPC_PORT: String(opts.grpcPort),
    HOST: host,
  };
  if (opts.replica !== undefined) env.REPLICA = opts.replica;
  if (opts.workers !== undefined) env.WORKERS = String(opts.workers);
  if (opts.feedCpuMs !== undefined) env.FEED_CPU_MS = String(opts.feedCpuMs);
  if (opts.likeCpuMs !== undefined) env.LIKE_CPU_MS = String(opts.likeCpuMs);
  if (opts.backendWaitMs !== undefined) env.BACKEND_WAIT_MS = String(opts.backendWaitMs);
  if (opts.errorRate !== undefined) env.ERROR_RATE = String(opts.errorRate);
  Object.assign(env, opts.env ?? {});

  const child = spawn(process.execPath, [referenceEntry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const replica = opts.replica ?? 'reference';

  let stopping: Promise<number | null> | undefined;
  const stop = (graceMs = 8000): Promise<number | null> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1000).then(() =>
        reject(
          new ClusterError(
            `reference ${replica} did not start within ${opts.startTimeoutMs ?? 20000} ms`,
            replica,
            (stdout + stderr).trim(),
          ),
        ),
      );
    }, opts.startTimeoutMs ?? 20000);
    const onData = () => {
      if (!stdout.includes(`reference ${replica} listening `)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        http: `http://${hostPort(host, opts.httpPort)}`,
        grpc: hostPort(host, opts.grpcPort),
        pid: child.pid!,
        child,
        output: () => ({ stdout, stderr }),
        stop,
        [Symbol.asyncDispose]: async () => {
          await stop();
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new ClusterError(
          `reference ${replica} exited with code ${code} before it was ready`,
          replica,
          (stdout + stderr).trim(),
        ),
      );
    });
  });
}
