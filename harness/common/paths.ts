// Where the project's files are, for code that runs from the sources (ts-node) or compiled (dist/), in a
// checkout or an installed package: non-TypeScript assets (page files, reference service, protos, scripts)
// are read beside the sources either way (package.json `files` ships them next to dist/).
import { existsSync } from 'node:fs';
import path from 'node:path';

const upTwo = path.resolve(__dirname, '..', '..');
/** The compiled tree, dist/ under the project, when this file runs from there. */
const distRoot =
  path.basename(upTwo) === 'dist' && existsSync(path.join(upTwo, '..', 'package.json')) ? upTwo : undefined;

/** The project's root: the folder of package.json, harness/ and clusters/. */
export const projectRoot = distRoot ? path.dirname(distRoot) : upTwo;

/** The source folder of a module's `__dirname`: dist/harness/x maps to harness/x; a source folder stays. */
export function sourceDir(dirname: string): string {
  if (!distRoot) return dirname;
  const rel = path.relative(distRoot, dirname);
  return rel.startsWith('..') || path.isAbsolute(rel) ? dirname : path.join(projectRoot, rel);
}
