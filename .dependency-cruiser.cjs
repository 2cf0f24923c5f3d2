// The floors of harness/ and no import loops: `npm run depcheck` (part of `make test`) fails on
// an import that climbs a floor or closes a cycle. From the bottom: common < results < capacity,
// report; drill < run < cli. Tests may drive the CLI (`main`) end to end, so the rules about cli/
// (only-cli-imports-cli) apply to production files only; capacity/ has no such test.
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
    {
      name: 'results-only-on-common',
      severity: 'error',
      comment: 'results/ is the bottom floor of a run\'s results: it imports common/ only.',
      from: { path: '^harness/results/' },
      to: { path: '^(harness|clusters|scenarios)/', pathNot: '^harness/(results|common)/' },
    },
    {
      name: 'capacity-below-the-run',
      severity: 'error',
      comment: 'capacity/ plans from results/; it never reaches the drill, the run, the report, the CLI, the load or the cluster.',
      from: { path: '^harness/capacity/' },
      to: { path: '^harness/(drill|run|report|cli|load|cluster)/' },
    },
    {
      name: 'report-below-the-run',
      severity: 'error',
      comment: 'report/ reads results/ and capacity/; the run (run/) calls it, never the other way.',
      from: { path: '^harness/report/' },
      to: { path: '^harness/(drill|run|load|cluster)/' },
    },
    {
      name: 'drill-below-the-run',
      severity: 'error',
      comment: 'drill/ is the controller; run/ wires it with the report and the CLI calls run/.',
      from: { path: '^harness/drill/' },
      to: { path: '^harness/(run|report)/' },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'cli/ is the top floor; nothing below imports it (tests may, to run a command end to end).',
      from: { pathNot: '^harness/cli/|\\.test\\.ts$' },
      to: { path: '^harness/cli/' },
    },
    {
      name: 'enter-folders-through-index',
      severity: 'error',
      comment: 'A folder\'s index.ts is its public face; other folders import only it (tests and test helpers may import testing/ helpers and cli/main).',
      from: { path: '^harness/([^/]+)/', pathNot: '\\.test\\.ts$|/testing/' },
      to: { path: '^harness/[^/]+/', pathNot: ['^harness/$1/', '^harness/[^/]+/index\\.ts$'] },
    },
    {
      name: 'nothing-imports-bench',
      severity: 'error',
      comment: 'bench/ holds the benchmarks and the accuracy suite: tools that may use any floor; the product never imports them.',
      from: { pathNot: '^harness/bench/' },
      to: { path: '^harness/bench/' },
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
