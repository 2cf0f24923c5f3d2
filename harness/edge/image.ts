// The edge's images, built offline FROM scratch like the reference image: headroom-haproxy:<hash> holds
// the host's /usr/sbin/haproxy and the libraries it links; headroom-edge:<hash> adds one generated
// haproxy.cfg on top (a tiny layer), so a remote Docker daemon needs no bind mount. Both are tagged by content.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { linkedLibraries, type ImageFile, type ImageRecipe } from '../cluster';
import { ClusterError } from '../common';
import { defaultHaproxyBinary, installHaproxyHint } from './check';

/** Bump when the recipes below change in a way the inputs do not show. */
const recipeVersion = 1;
export const haproxyRepository = 'headroom-haproxy';
export const edgeRepository = 'headroom-edge';
export const configPathInImage = '/etc/haproxy/haproxy.cfg';

function fileOf(target: string, source: string): ImageFile {
  const real = realpathSync(source);
  const st = statSync(real);
  return { target, source: real, size: st.size, mode: st.mode & 0o777 };
}

/** HAProxy and its libraries; runs as nobody (numeric: the image has no /etc/passwd), in the foreground. */
export function haproxyRecipe(binary = defaultHaproxyBinary): ImageRecipe {
  let exe: ImageFile;
  try {
    exe = fileOf('/usr/sbin/haproxy', binary);
  } catch {
    throw new ClusterError(
      `edge image: HAProxy is not installed (${binary} not found)`,
      undefined,
      undefined,
      installHaproxyHint,
    );
  }
  const files = [exe];
  const hash = createHash('sha256').update(`haproxy recipe ${recipeVersion}\n`).update(readFileSync(exe.source));
  for (const lib of linkedLibraries(exe.source)) {
    const f = fileOf(lib, lib);
    files.push(f);
    hash.update(`lib ${lib} ${path.basename(f.source)} ${f.size}\n`);
  }
  const dockerfile = [
    'FROM scratch',
    'COPY rootfs/ /',
    'USER 65534:65534',
    // SIGUSR1 is HAProxy's soft stop: it finishes the requests in flight, then exits.
    'STOPSIGNAL SIGUSR1',
    `ENTRYPOINT ["/usr/sbin/haproxy", "-db", "-f", "${configPathInImage}"]`,
    '',
  ].join('\n');
  hash.update(dockerfile);
  return { tag: `${haproxyRepository}:${hash.digest('hex').slice(0, 12)}`, baseImage: 'scratch', dockerfile, files };
}

/** One configuration on top of the HAProxy image; `cfgFile` holds `cfgText` on this machine (the build reads it). */
export function edgeConfigRecipe(haproxyTag: string, cfgFile: string, cfgText: string): ImageRecipe {
  const dockerfile = `FROM ${haproxyTag}\nCOPY rootfs/ /\n`;
  const tag = `${edgeRepository}:${createHash('sha256').update(dockerfile).update(cfgText).digest('hex').slice(0, 12)}`;
  return { tag, baseImage: haproxyTag, dockerfile, files: [{ ...fileOf(configPathInImage, cfgFile), mode: 0o644 }] };
}
