// Users' scenario scripts may be TypeScript: ts-node (transpile only) is registered the first time one
// is loaded, so the compiled CLI pays for the compiler only when it needs it.
import path from 'node:path';
import { projectRoot } from './paths';

const tsExtensions = new Set(['.ts', '.cts', '.mts']);

/** Makes `require(file)` work for a .ts file; a no-op for JS, or when a TypeScript loader is already in place. */
export function allowTypeScript(file: string): void {
  if (!tsExtensions.has(path.extname(file)) || require.extensions['.ts']) return;
  // Required here, not imported at the top: loading the compiler costs about a second of CPU.
  const tsNode = require('ts-node') as typeof import('ts-node');
  tsNode.register({ project: path.join(projectRoot, 'tsconfig.json'), transpileOnly: true });
}
