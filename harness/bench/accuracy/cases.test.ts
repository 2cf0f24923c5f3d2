import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadScenario, parseClusterFile } from '../../config';
import { accuracyCases, caseClusterYaml, caseScenario, redlineTiming } from './cases';

test('every case is a valid one-replica cluster whose cost the scenario does not name, and a CPU-limited redline scenario', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acc-cases-'));
  try {
    for (const [i, c] of accuracyCases.entries()) {
      const clusterFile = path.join(dir, `${c.name}.yaml`);
      fs.writeFileSync(clusterFile, caseClusterYaml(c, `acc-${i + 1}`, [28100, 28199]));
      const spec = parseClusterFile(fs.readFileSync(clusterFile, 'utf8'), clusterFile);
      assert.equal(spec.name, `acc-${i + 1}`);
      assert.equal(spec.replicas.length, 1);
      assert.equal(spec.serverTypes.gen1.cpus, c.cpus);
      const scenarioFile = path.join(dir, `${c.name}.js`);
      const input = caseScenario(c, clusterFile, redlineTiming);
      fs.writeFileSync(scenarioFile, `exports.default = ${JSON.stringify(input)};\n`);
      const scenario = await loadScenario(scenarioFile);
      assert.equal(scenario.clusterFile, clusterFile);
      assert.doesNotMatch(JSON.stringify(input), /FEED_CPU_MS|feedCpuMs/);
      assert.deepEqual(
        scenario.drills.map((d) => [d.kind, d.kind === 'redline' ? d.repeats : null]),
        [['redline', 3]],
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
