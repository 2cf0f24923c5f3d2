// An image assembled offline from Debian packages: their dependency closure as this machine's apt resolves it
// for an empty system, downloaded with apt-get and unpacked with dpkg-deb into a FROM scratch root. Tagged
// headroom-packages:<hash12> over the resolved versions, so it is built once and rebuilt only when one changes.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ClusterError, type Logger, processEnvironment } from '../common';
import type { ContainerEngine } from './engine';

const run = promisify(execFile);
/** Bump when the assembly below changes in a way the package versions do not show. */
const recipeVersion = 1;
export const packagesRepository = 'headroom-packages';

export interface DebianPackage {
  name: string;
  version: string;
  arch: string;
}

export interface PackagesRecipe {
  tag: string;
  /** What was asked for, and the closure apt resolved it to (sorted by name). */
  requested: string[];
  packages: DebianPackage[];
}

/** What no server reads: documentation, manuals, translations. */
const dropped = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian'];
// The packages' maintainer scripts are not run (no dpkg database, no users made, no byte-compiling): the recipe
// writes the few files servers need of what they would have made.
const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const group = 'root:x:0:\nnogroup:x:65534:\n';
const dockerfile = [
  'FROM scratch',
  'COPY rootfs/ /',
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  // Servers run as nobody unless a Dockerfile on top says otherwise (PostgreSQL refuses root anyway).
  'USER 65534:65534',
  '',
].join('\n');

/** The packages `apt-get -s install` would install, from its `Inst <name> (<version> <suites> [<arch>])` lines. */
export function parseSimulation(text: string): DebianPackage[] {
  const out: DebianPackage[] = [];
  for (const line of text.split('\n')) {
    const m = /^Inst (\S+)(?: \[[^\]]*\])? \((\S+) [^[]*\[([^\]]+)\]\)/.exec(line);
    if (m) out.push({ name: m[1], version: m[2], arch: m[3] });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The tag of an image of these resolved packages. */
export function packagesTag(packages: readonly DebianPackage[]): string {
  const hash = createHash('sha256').update(
    `packages image ${recipeVersion}\n${dockerfile}\n${passwd}${group}${dropped.join(' ')}\n`,
  );
  for (const p of packages) hash.update(`${p.name} ${p.version} ${p.arch}\n`);
  return `${packagesRepository}:${hash.digest('hex').slice(0, 12)}`;
}

function aptProblem(what: string, err: unknown): string {
  const e = err as { code?: string; stderr?: string; message?: string };
  if (e.code === 'ENOENT') return `${what}: not found on this machine`;
  const lines = String(e.stderr ?? '')
    .split('\n')
    .filter((l) => /^E:/.test(l));
  return `${what}: ${lines.length ? lines.join('; ') : (e.message ?? String(err)).split('\n')[0]}`;
}

const noApt =
  'packages: needs a Debian machine (apt-get, dpkg-deb) whose apt sources hold them; run apt-get update once on a fresh machine';

/** Resolves the closure of `names` as apt would install it on an empty system (no Recommends). */
export async function resolvePackages(tier: string, names: readonly string[]): Promise<PackagesRecipe> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headroom-apt-'));
  try {
    const status = path.join(dir, 'status');
    writeFileSync(status, '');
    let out: string;
    try {
      ({ stdout: out } = await run(
        'apt-get',
        [
          '-s',
          '-o',
          `Dir::State::status=${status}`,
          '-o',
          'Debug::NoLocking=1',
          'install',
          '--no-install-recommends',
          ...names,
        ],
        { maxBuffer: 16 * 1024 * 1024, env: { ...processEnvironment(), LC_ALL: 'C' } },
      ));
    } catch (err) {
      throw new ClusterError(
        `tier ${tier}: cannot resolve the Debian packages ${names.join(', ')}: ${aptProblem('apt-get', err)}`,
        undefined,
        undefined,
        noApt,
      );
    }
    const packages = parseSimulation(out);
    if (!packages.length)
      throw new ClusterError(
        `tier ${tier}: apt-get resolved the Debian packages ${names.join(', ')} to nothing`,
        undefined,
        undefined,
        noApt,
      );
    return { tag: packagesTag(packages), requested: [...names], packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(p);
    else if (entry.isFile()) total += lstatSync(p).size;
  }
  return total;
}

/** The ldconfig of this machine (not always on a non-root PATH). */
function ldconfig(): string {
  for (const p of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) if (existsSync(p)) return p;
  return 'ldconfig';
}

/**
 * Downloads and unpacks the recipe's packages into `<dir>/rootfs` and writes `<dir>/Dockerfile`: what the
 * maintainer scripts would have made and servers need (a passwd with nobody, a /tmp, the linker's cache).
 * Resolves with the root's size in bytes.
 */
export async function assemblePackages(tier: string, recipe: PackagesRecipe, dir: string): Promise<number> {
  const debs = path.join(dir, 'debs');
  const rootfs = path.join(dir, 'rootfs');
  mkdirSync(debs, { recursive: true });
  mkdirSync(rootfs, { recursive: true });
  try {
    // As root, apt would download as its sandbox user, who cannot write to a private temporary folder.
    await run(
      'apt-get',
      [
        '-q',
        '-o',
        'APT::Sandbox::User=root',
        'download',
        ...recipe.packages.map((p) => `${p.name}:${p.arch}=${p.version}`),
      ],
      { cwd: debs, maxBuffer: 16 * 1024 * 1024, env: { ...processEnvironment(), LC_ALL: 'C' } },
    );
  } catch (err) {
    throw new ClusterError(
      `tier ${tier}: downloading ${recipe.packages.length} Debian packages failed: ${aptProblem('apt-get download', err)}`,
      undefined,
      undefined,
      noApt,
    );
  }
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
    try {
      await run('dpkg-deb', ['-x', path.join(debs, deb), rootfs]);
    } catch (err) {
      throw new ClusterError(
        `tier ${tier}: unpacking ${deb} failed: ${aptProblem('dpkg-deb', err)}`,
        undefined,
        undefined,
        noApt,
      );
    }
  }
  rmSync(debs, { recursive: true, force: true });
  for (const d of dropped) rmSync(path.join(rootfs, d), { recursive: true, force: true });
  mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  writeFileSync(path.join(rootfs, 'etc', 'passwd'), passwd);
  writeFileSync(path.join(rootfs, 'etc', 'group'), group);
  mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
  chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  const conf = path.join(rootfs, 'etc', 'ld.so.conf');
  if (!existsSync(conf)) writeFileSync(conf, 'include /etc/ld.so.conf.d/*.conf\n');
  try {
    // libc-bin's trigger would run this; libraries in the multiarch folders are found through the cache.
    await run(ldconfig(), ['-r', rootfs]);
  } catch (err) {
    throw new ClusterError(
      `tier ${tier}: ldconfig -r failed: ${aptProblem('ldconfig', err)}`,
      undefined,
      undefined,
      noApt,
    );
  }
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return bytesUnder(rootfs);
}

/** `<dir>/Dockerfile` and `<dir>/rootfs` as a build context (the host's tar keeps links, modes and special bits). */
export function packagesContext(dir: string): NodeJS.ReadableStream {
  const tar = spawn('tar', ['-C', dir, '-c', '--numeric-owner', '--owner=0', '--group=0', 'Dockerfile', 'rootfs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  tar.stderr.on('data', (d) => (stderr += d));
  tar.on('close', (code) => {
    if (code !== 0) tar.stdout.destroy(new Error(`tar exited ${code}: ${stderr.trim()}`));
  });
  tar.on('error', (err) => tar.stdout.destroy(err));
  return tar.stdout;
}

const MiB = 1024 * 1024;

/** The recipe's image on one daemon: found by its tag, or assembled in a temporary folder and built there. */
export async function packagesImageOn(
  engine: ContainerEngine,
  tier: string,
  recipe: PackagesRecipe,
  log: Logger,
): Promise<string> {
  if (await engine.imageExists(recipe.tag)) return recipe.tag;
  const started = Date.now();
  log.info(
    `tier ${tier}: assembling ${recipe.tag} from ${recipe.requested.join(', ')} (${recipe.packages.length} Debian packages with their dependencies)`,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headroom-packages-'));
  try {
    const bytes = await assemblePackages(tier, recipe, dir);
    const unpacked = Date.now();
    await engine.buildImage(packagesContext(dir), recipe.tag);
    log.info(
      `built ${recipe.tag} (${(bytes / MiB).toFixed(0)} MiB) on ${engine.daemon} in ${((Date.now() - started) / 1000).toFixed(1)} s (${((unpacked - started) / 1000).toFixed(1)} s to download and unpack)`,
    );
    return recipe.tag;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
