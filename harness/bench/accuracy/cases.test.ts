import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadScenario, parseClusterFile } from '../../config';
import { accuracyCases, caseClusterYaml, caseScenario, redlineTiming, requestPath } from './cases';

test('every case is a valid one-replica cluster whose cost the scenario does not name, and a CPU-limited redline scenario to a precision', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acc-cases-'));
  try {
    // A repository root of its own whose shape contexts hold a Dockerfile (prepare.sh's rootfs is not needed to parse).
    for (const c of accuracyCases)
      if (c.kind === 'shape') {
        fs.mkdirSync(path.join(dir, '.cache', 'shapes', c.context), { recursive: true });
        fs.writeFileSync(path.join(dir, '.cache', 'shapes', c.context, 'Dockerfile'), 'FROM scratch\n');
      }
    assert.ok(accuracyCases.filter((c) => c.kind === 'shape').length >= 3);
    assert.ok(accuracyCases.filter((c) => c.busySecondRun).length >= 3);
    for (const [i, c] of accuracyCases.entries()) {
      const clusterFile = path.join(dir, `${c.name}.yaml`);
      const twinFile = path.join(dir, `${c.name}-twin.yaml`);
      fs.writeFileSync(clusterFile, caseClusterYaml(c, `acc-${i + 1}`, [18300, 18349], dir));
      fs.writeFileSync(twinFile, caseClusterYaml(c, `acc-${i + 1}-twin`, [18350, 18399], dir));
      const spec = parseClusterFile(fs.readFileSync(clusterFile, 'utf8'), clusterFile);
      const twin = parseClusterFile(fs.readFileSync(twinFile, 'utf8'), twinFile);
      assert.equal(spec.name, `acc-${i + 1}`);
      assert.equal(spec.replicas.length, 1);
      assert.equal(spec.serverTypes.gen1.cpus, c.cpus);
      // The twin is a true twin: the same tiers (image source, command, env, health) and server types.
      assert.deepEqual(twin.tiers, spec.tiers);
      assert.deepEqual(twin.serverTypes, spec.serverTypes);
      if (c.kind === 'shape') {
        assert.deepEqual(spec.tiers?.[0].source, {
          kind: 'build',
          context: path.join(dir, '.cache', 'shapes', c.context),
        });
        assert.deepEqual(spec.tiers?.[0].env, c.env);
      }
      const scenarioFile = path.join(dir, `${c.name}.js`);
      const input = caseScenario(c, clusterFile, redlineTiming);
      fs.writeFileSync(scenarioFile, `exports.default = ${JSON.stringify(input)};\n`);
      const scenario = await loadScenario(scenarioFile);
      assert.equal(scenario.clusterFile, clusterFile);
      assert.doesNotMatch(JSON.stringify(input), /FEED_CPU_MS|feedCpuMs|BURN|WORK/);
      const drill = scenario.drills[0];
      assert.equal(drill.kind, 'redline');
      if (drill.kind === 'redline') {
        assert.equal(drill.precision, 0.03);
        assert.equal(drill.repeats, 1);
        assert.equal(drill.budgetMs, 120_000);
      }
      // The drill and the truth's generator send the same request.
      const endpoint = input.mix.endpoints[0];
      assert.equal(endpoint.protocol, 'http');
      if (endpoint.protocol === 'http') assert.equal(requestPath(c)(6), endpoint.path.replace('{{user}}', '7'));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
