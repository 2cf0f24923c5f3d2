// The floors of harness/ and no import loops: `npm run depcheck` (part of `make test` and `make check`)
// fails on an import that climbs a floor or closes a cycle. `floors` says, for every folder, which other
// folders its production files may import; docs/design.md ("The floors of the tree") shows the same table,
// and harness/testing/floors.test.ts holds the two together and plants a climb in every folder to see it
// refused. Tests, test helpers (testing/) and fixtures may import across floors (a test drives what it
// checks from above); production files never import them.

/** Folder of harness/ -> the folders its production files may import. `clusters` is the reference service. */
const floors = {
  common: [],
  results: ['common'],
  metrics: ['common'],
  ci: ['common'],
  capacity: ['common', 'results', 'metrics'],
  cluster: ['common', 'results', 'clusters'],
  load: ['common', 'metrics', 'cluster'],
  report: ['common', 'results', 'metrics', 'capacity'],
  config: ['common', 'metrics', 'cluster', 'load'],
  edge: ['common', 'metrics', 'cluster', 'load'],
  agent: ['common', 'metrics', 'cluster', 'load'],
  drill: ['common', 'results', 'metrics', 'capacity', 'cluster', 'load', 'config'],
  export: ['common', 'results', 'metrics', 'cluster', 'load', 'config', 'drill'],
  run: ['common', 'results', 'metrics', 'capacity', 'cluster', 'load', 'report', 'config', 'edge', 'agent', 'drill'],
  cli: [
    'common',
    'results',
    'metrics',
    'ci',
    'capacity',
    'cluster',
    'load',
    'report',
    'config',
    'edge',
    'agent',
    'drill',
    'export',
    'run',
  ],
};

const testCode = '\\.test\\.ts$|/testing/|/fixtures/';
const product = ['clusters', ...Object.keys(floors)];

/** One rule per folder: its production files import only the folders `floors` gives it (and themselves). */
const floorRules = Object.entries(floors).map(([folder, below]) => ({
  name: `floor-${folder}`,
  severity: 'error',
  comment: `${folder}/ imports ${below.length ? below.join(', ') : 'no other folder'} (docs/design.md, the floors of the tree).`,
  from: { path: `^harness/${folder}/`, pathNot: testCode },
  to: {
    path: `^(harness/[^/]+/|clusters/|scenarios/)`,
    pathNot: `^(harness/(${[folder, ...below.filter((f) => f !== 'clusters')].join('|')})/${below.includes('clusters') ? '|clusters/reference/' : ''})`,
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import loop: the floors no longer say which module builds on which.',
      from: {},
      to: { circular: true },
    },
    ...floorRules,
    {
      name: 'floor-clusters',
      severity: 'error',
      comment: 'clusters/ holds the cluster files and the reference service, which runs alone in its image: it imports common/ only.',
      from: { path: '^clusters/', pathNot: testCode },
      to: { path: '^(harness|scenarios)/', pathNot: '^harness/common/' },
    },
    {
      name: 'floor-scenarios',
      severity: 'error',
      comment: "scenarios/ are users' scripts: they import the package's face (harness/index.ts or drill/) and each other.",
      from: { path: '^scenarios/' },
      to: { path: '^(harness|clusters)/', pathNot: '^harness/(index\\.ts|drill/index\\.ts)$' },
    },
    {
      name: 'floor-package-face',
      severity: 'error',
      comment: "harness/index.ts, the package's face for scenario scripts, exports config/'s defineScenario and types only.",
      from: { path: '^harness/index\\.ts$' },
      to: { path: '^(harness|clusters|scenarios)/', pathNot: '^harness/config/' },
    },
    {
      name: 'floor-bench',
      severity: 'error',
      comment: 'bench/ holds the benchmarks and the accuracy suite: tools beside the product that may use any floor but the CLI, which they run as users do.',
      from: { path: '^harness/bench/' },
      to: { path: '^harness/cli/' },
    },
    {
      name: 'nothing-imports-bench',
      severity: 'error',
      comment: 'bench/ is not the product: nothing outside it imports it.',
      from: { pathNot: '^harness/bench/' },
      to: { path: '^harness/bench/' },
    },
    {
      name: 'floor-testing',
      severity: 'error',
      comment: 'Tests, test helpers (testing/) and fixtures are not the product: no production file imports them.',
      from: { path: `^(${product.map((f) => (f === 'clusters' ? 'clusters/' : `harness/${f}/`)).join('|')})`, pathNot: testCode },
      to: { path: testCode },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'cli/ is the top floor; nothing below imports it (tests may, to run a command end to end).',
      from: { pathNot: `^harness/cli/|${testCode}` },
      to: { path: '^harness/cli/' },
    },
    {
      name: 'enter-folders-through-index',
      severity: 'error',
      comment: "A folder's index.ts is its public face; other folders import only it (tests, test helpers and the benchmarks, which drive what they measure from above, may import testing/ helpers and cli/main).",
      from: { path: '^harness/([^/]+)/', pathNot: '\\.test\\.ts$|/testing/|^harness/bench/' },
      to: { path: '^harness/[^/]+/', pathNot: ['^harness/$1/', '^harness/[^/]+/index\\.ts$'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};

// The table itself, for the test that holds docs/design.md to it (not a dependency-cruiser option).
Object.defineProperty(module.exports, 'floors', { value: floors, enumerable: false });
