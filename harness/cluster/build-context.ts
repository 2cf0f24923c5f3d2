// A tier's `build:` folder as a Docker build context: a tar stream of its files and a tag made of
// a hash over their paths, modes and contents, so an unchanged context is never built twice.
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { addEntry } from './image';

interface ContextEntry {
  rel: string;
  abs: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
}

/** Every entry under `dir`, sorted, so the hash and the tar do not depend on readdir's order. */
function entriesOf(dir: string, rel = ''): ContextEntry[] {
  const out: ContextEntry[] = [];
  const names = readdirSync(path.join(dir, rel)).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const abs = path.join(dir, r);
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      out.push({ rel: r, abs, kind: 'dir', mode: st.mode & 0o777, size: 0 });
      out.push(...entriesOf(dir, r));
    } else if (st.isSymbolicLink()) out.push({ rel: r, abs, kind: 'symlink', mode: 0o777, size: 0 });
    else if (st.isFile()) out.push({ rel: r, abs, kind: 'file', mode: st.mode & 0o777, size: st.size });
  }
  return out;
}

/**
 * The image tag of a tier's build context: `headroom-<tier>:<hash12>` (Docker wants lower case). `base`: the
 * image it builds on (its build argument BASE), part of the hash so a new base makes a new tag.
 */
export function buildTag(tier: string, dir: string, base?: string): string {
  const hash = createHash('sha256').update('build context 1\n');
  if (base) hash.update(`base ${base}\n`);
  for (const e of entriesOf(dir)) {
    hash.update(`${e.kind} ${e.rel} ${e.mode.toString(8)}\n`);
    if (e.kind === 'file') hash.update(readFileSync(e.abs));
    if (e.kind === 'symlink') hash.update(readlinkSync(e.abs));
  }
  return `headroom-${tier.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}:${hash.digest('hex').slice(0, 12)}`;
}

/** The folder as a tar stream for dockerode's buildImage. */
export function folderContext(dir: string): NodeJS.ReadableStream {
  const pack = tarPack();
  void (async () => {
    try {
      for (const e of entriesOf(dir)) {
        const mtime = new Date(0);
        if (e.kind === 'dir') await addEntry(pack, { name: `${e.rel}/`, type: 'directory', mode: e.mode, mtime });
        else if (e.kind === 'symlink')
          await addEntry(pack, { name: e.rel, type: 'symlink', linkname: readlinkSync(e.abs), mode: e.mode, mtime });
        else await addEntry(pack, { name: e.rel, size: e.size, mode: e.mode, mtime }, createReadStream(e.abs));
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack as unknown as NodeJS.ReadableStream;
}
