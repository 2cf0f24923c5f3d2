// The floors of the tree: every folder of harness/ has a rule in .dependency-cruiser.cjs, docs/design.md
// shows the same table, and the check refuses a climb planted in every folder of a copy of the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const configFile = path.join(root, '.dependency-cruiser.cjs');
const config = require(configFile) as { forbidden: { name: string }[]; floors: Record<string, string[]> };
const ruleNames = new Set(config.forbidden.map((r) => r.name));
const folders = fs
  .readdirSync(path.join(root, 'harness'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

test('every folder of harness/ has a floor rule, and docs/design.md shows the floors the check enforces', () => {
  for (const f of folders) assert.ok(ruleNames.has(`floor-${f}`), `no rule floor-${f} in .dependency-cruiser.cjs`);
  for (const f of ['clusters', 'scenarios', 'package-face']) assert.ok(ruleNames.has(`floor-${f}`), f);
  const design = fs.readFileSync(path.join(root, 'docs', 'design.md'), 'utf8');
  const documented: Record<string, string[]> = {};
  for (const m of design.matchAll(/^\| `([a-z]+)\/` +\|[^|]+\|([^|]+)\|$/gm))
    documented[m[1]] = [...m[2].matchAll(/`([a-z]+)`/g)].map((x) => x[1]);
  assert.deepEqual(documented, config.floors);
  // Every folder is on a floor or beside them with a rule of its own (bench/, testing/).
  assert.deepEqual(folders.filter((f) => !(f in config.floors)).sort(), ['bench', 'testing']);
});

/** A folder a file of `folder` may not import (the highest one off its list), and the rule that says so. */
function climbFrom(folder: string): string {
  const allowed = new Set([folder, ...config.floors[folder]]);
  const above = ['run', 'drill', 'config', 'load', 'cluster', 'metrics'].find((f) => !allowed.has(f));
  return above ?? 'bench'; // cli/ may import every product folder: only a sidecar is off its list
}

test('the check refuses a climb planted in every folder of a copy of the tree, and nothing else', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-floors-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const d of ['harness', 'clusters', 'scenarios'])
    fs.cpSync(path.join(root, d), path.join(tmp, d), {
      recursive: true,
      filter: (src) => !/(^|\/)(node_modules|dist)(\/|$)/.test(path.relative(root, src)),
    });
  for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json'])
    fs.copyFileSync(path.join(root, f), path.join(tmp, f));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'));

  /** Planted file -> the rule that must refuse it. */
  const plants: Record<string, string> = {};
  const plant = (file: string, importPath: string, rule: string) => {
    fs.writeFileSync(path.join(tmp, file), `// planted climb\nimport '${importPath}';\n`);
    plants[file] = rule;
  };
  for (const f of Object.keys(config.floors)) {
    const target = climbFrom(f);
    plant(
      `harness/${f}/planted-climb.ts`,
      target === 'bench' ? '../bench/accuracy/cases' : `../${target}`,
      `floor-${f}`,
    );
  }
  plant('harness/bench/planted-climb.ts', '../cli/main', 'floor-bench');
  plant('harness/report/planted-test-code.ts', '../testing/dir-lock', 'floor-testing');
  plant('clusters/reference/planted-climb.ts', '../../harness/drill', 'floor-clusters');
  plant('scenarios/planted-climb.ts', '../harness/run', 'floor-scenarios');
  fs.appendFileSync(path.join(tmp, 'harness', 'index.ts'), "export { runDrillSpec } from './drill';\n");
  plants['harness/index.ts'] = 'floor-package-face';

  // As `npm run depcheck` runs it: its exit code, and one line per violation, `error <rule>: <from> → <to>`.
  const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(depcruise, ['harness', 'scenarios', 'clusters', '--config', '.dependency-cruiser.cjs'], {
    cwd: tmp,
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0, `the check passed a tree with climbs in it\n${r.stdout}${r.stderr}`);
  const violations = [...r.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map(([, rule, from, to]) => ({
    rule,
    from,
    to,
  }));
  for (const [file, rule] of Object.entries(plants)) {
    const found = violations.filter((v) => v.from === file).map((v) => v.rule);
    assert.ok(found.includes(rule), `${file}: expected ${rule}, got ${found.join(', ') || 'nothing'}\n${r.stdout}`);
  }
  const elsewhere = violations.filter((v) => !(v.from in plants));
  assert.deepEqual(elsewhere, [], 'violations outside the planted files: the tree itself climbs');
});
