// The tests' TypeScript loader (`node --require ./harness/testing/swc-register.js --test ...`, see the Makefile):
// each .ts file is transpiled by swc alone, as ts-node's transpile-only mode does with the TypeScript compiler,
// but without loading that compiler (~0.5 s of CPU) in each of the ~110 test processes. No type check here:
// `make typecheck` does it once for the whole tree.
const fs = require('node:fs');
const swc = require('@swc/core');

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

for (const ext of ['.ts', '.cts']) {
  require.extensions[ext] = (module, filename) => {
    const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
    module._compile(code, filename);
  };
}
