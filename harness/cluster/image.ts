// The reference image, built offline: FROM scratch + the host's node binary + the shared libraries
// it links (ldd) + clusters/reference/ + the npm dependency closure of its deps.json, laid out under /app
// as on this machine (referenceLayout). Tagged headroom-reference:<hash12> over every input, so an
// unchanged recipe is never built twice.
// With a registry, `baseImage: 'node:20-slim'` takes node from that image instead.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { pack as tarPack, type Pack } from 'tar-stream';
import { referenceLayout } from '../../clusters/reference';
import { ClusterError } from '../common';

/** Bump when the recipe below changes in a way the inputs do not show. */
const recipeVersion = 2;
export const imageRepository = 'headroom-reference';

export interface ImageFile {
  /** Path inside the image. */
  target: string;
  /** Path on this machine (symlinks resolved). */
  source: string;
  size: number;
  mode: number;
}

export interface ImageRecipe {
  tag: string;
  baseImage: string;
  dockerfile: string;
  files: ImageFile[];
}

/** Shared libraries a binary links, as `ldd` lists them (including the dynamic loader). */
export function linkedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const text = String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new ClusterError(
      `reference image: cannot list the libraries of ${binary} with ldd (${(err as Error).message})`,
      undefined,
      undefined,
      'install ldd (libc-bin), or set HEADROOM_BASE_IMAGE=node:20-slim where a registry answers',
    );
  }
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    if (arrow) libs.add(arrow[1]);
    else {
      const bare = /^\s*(\/\S+)\s+\(/.exec(line);
      if (bare) libs.add(bare[1]);
    }
  }
  return [...libs].sort();
}

function fileOf(target: string, source: string): ImageFile {
  const real = realpathSync(source);
  const st = statSync(real);
  return { target, source: real, size: st.size, mode: st.mode & 0o777 };
}

function walk(dir: string, skip: (rel: string) => boolean, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (skip(r)) continue;
    if (entry.isDirectory()) out.push(...walk(dir, skip, r));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(r);
  }
  return out;
}

/** Everything the image holds and its tag; reads only metadata and the small service files. */
export function referenceRecipe(baseImage = 'scratch'): ImageRecipe {
  const layout = referenceLayout();
  const files: ImageFile[] = [];
  const hash = createHash('sha256').update(`recipe ${recipeVersion}\nbase ${baseImage}\n`);
  const scratch = baseImage === 'scratch';
  let nodePath = '/usr/local/bin/node';
  if (scratch) {
    const node = fileOf(nodePath, process.execPath);
    files.push(node);
    hash.update(`node ${process.version} ${node.size}\n`);
    for (const lib of linkedLibraries(node.source)) {
      const f = fileOf(lib, lib);
      files.push(f);
      hash.update(`lib ${lib} ${path.basename(f.source)} ${f.size}\n`);
    }
  } else {
    nodePath = 'node';
  }
  for (const { rel, source } of layout.files) {
    const f = fileOf(`/app/${rel}`, source);
    files.push(f);
    hash.update(`file ${rel} `).update(readFileSync(f.source)).update('\n');
  }
  for (const { rel: pkgDir, dir } of layout.packages) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    hash.update(`package ${pkgDir} ${pkg.name}@${pkg.version}\n`);
    // Nested node_modules are their own closure entries (when needed at all).
    for (const rel of walk(dir, (r) => r === 'node_modules' || r.endsWith('/node_modules'))) {
      files.push(fileOf(`/app/${pkgDir}/${rel}`, path.join(dir, rel)));
    }
  }
  const entry = JSON.stringify(`/app/${layout.entry}`);
  const dockerfile = [
    `FROM ${baseImage}`,
    'COPY rootfs/ /',
    'WORKDIR /app',
    'ENV NODE_ENV=production',
    'USER 65534:65534',
    'STOPSIGNAL SIGTERM',
    `ENTRYPOINT ["${nodePath}", ${entry}]`,
    '',
  ].join('\n');
  hash.update(dockerfile);
  return { tag: `${imageRepository}:${hash.digest('hex').slice(0, 12)}`, baseImage, dockerfile, files };
}

export function addEntry(
  pack: Pack,
  header: Parameters<Pack['entry']>[0],
  body?: NodeJS.ReadableStream | Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!body || Buffer.isBuffer(body)) {
      pack.entry(header, body ?? undefined, (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    body.on('error', reject);
    body.pipe(sink);
  });
}

/** The build context as a tar stream: Dockerfile + rootfs/. Directories get entries of their own. */
export function buildContext(recipe: ImageRecipe): NodeJS.ReadableStream {
  const pack = tarPack();
  void (async () => {
    try {
      await addEntry(pack, { name: 'Dockerfile', mode: 0o644, mtime: new Date(0) }, Buffer.from(recipe.dockerfile));
      const dirs = new Set<string>();
      for (const f of recipe.files) {
        const parts = f.target.split('/').filter(Boolean);
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (dirs.has(dir)) continue;
          dirs.add(dir);
          await addEntry(pack, { name: `rootfs/${dir}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
        }
        await addEntry(
          pack,
          { name: `rootfs${f.target}`, size: f.size, mode: f.mode, mtime: new Date(0) },
          createReadStream(f.source),
        );
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack as unknown as NodeJS.ReadableStream;
}
