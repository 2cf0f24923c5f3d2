// The tests' TypeScript loader (`node --require ./harness/testing/swc-register.js --test ...`, see the Makefile):
// each .ts file is transpiled by swc alone, as ts-node's transpile-only mode does with the TypeScript compiler,
// but without loading that compiler (~0.5 s of CPU) in each of the ~110 test processes. No type check here:
// `make typecheck` does it once for the whole tree.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The output tsconfig.json asks of tsc: ES2022 (class fields defined, as tsc does for that target), CommonJS
// with esModuleInterop's default imports, source maps so that stack traces name .ts lines.
const options = {
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript' },
    transform: { useDefineForClassFields: true },
  },
};

process.setSourceMapsEnabled(true);

// Each test process transpiles the modules it loads (~40 a process, ~4,400 in a make check): the output is kept
// in .cache/swc/, named by a hash of everything it depends on (source, path, options, swc's version), so a file
// is transpiled once until it changes. Written to a temporary name and renamed: processes share the folder.
const cacheDir = path.join(__dirname, '..', '..', '.cache', 'swc');
const salt = JSON.stringify([options, require('@swc/core/package.json').version]);
let cacheReady = false;

function transpile(source, filename) {
  const key = crypto.createHash('sha1').update(salt).update(filename).update('\0').update(source).digest('hex');
  const file = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  // Loaded on the first miss only: its native binding is most of a cached process's start-up otherwise.
  const { code } = require('@swc/core').transformSync(source, { ...options, filename });
  try {
    if (!cacheReady) fs.mkdirSync(cacheDir, { recursive: true });
    cacheReady = true;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs time
  }
  return code;
}

for (const ext of ['.ts', '.cts']) {
  require.extensions[ext] = (module, filename) => {
    module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
  };
}
