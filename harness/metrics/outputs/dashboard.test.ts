// docs/grafana/headroom.json: a valid dashboard (the schema fields Grafana imports) whose queries use
// only series the Prometheus output really exposes, so a renamed metric breaks this test, not the dashboard.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PrometheusOutput, recordsToSamples } from '.';

const file = path.resolve(__dirname, '..', '..', '..', 'docs', 'grafana', 'headroom.json');

test('the Grafana dashboard is valid JSON with the dashboard schema fields and queries only exposed series', async () => {
  const dash = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of ['uid', 'title', 'schemaVersion', 'panels', 'time', 'templating', 'annotations'])
    assert.ok(k in dash, `missing ${k}`);
  assert.equal(typeof dash.schemaVersion, 'number');
  assert.ok(
    dash.__inputs.some(
      (i: { name: string; pluginId: string }) => i.name === 'DS_PROMETHEUS' && i.pluginId === 'prometheus',
    ),
  );
  const ids = dash.panels.map((p: { id: number }) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');

  const prom = new PrometheusOutput();
  recordsToSamples(prom).request({ dc: 'a', pool: 'a/s', endpoint: 'e' }, 1, false, Date.now());
  recordsToSamples(prom).dropped({ dc: 'a', pool: 'a/s' }, Date.now());
  prom.setCpuShare('a/s', 0.5);
  prom.setStep({ drill: 'd', index: 0, kind: 'hold', target: 'all', offeredRps: 1 });
  prom.setGuard('g', 't', true, 1);
  const exposed = new Set(
    (await prom.scrape()).body
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/[{ ]/)[0]),
  );
  const used = new Set<string>();
  for (const p of dash.panels) {
    for (const k of ['type', 'title', 'gridPos', 'targets', 'datasource'])
      assert.ok(k in p, `panel ${p.id} misses ${k}`);
    for (const k of ['x', 'y', 'w', 'h']) assert.equal(typeof p.gridPos[k], 'number');
    assert.ok(p.targets.length > 0);
    for (const t of p.targets) for (const m of t.expr.matchAll(/headroom_[a-z_]+/g)) used.add(m[0]);
  }
  for (const m of used) assert.ok(exposed.has(m), `the dashboard queries ${m}, which the output does not expose`);
  for (const m of [
    'headroom_offered_rps',
    'headroom_achieved_rps',
    'headroom_request_duration_seconds_bucket',
    'headroom_request_errors_total',
    'headroom_cpu_share',
    'headroom_step',
    'headroom_drill_state',
    'headroom_guard_ok',
  ]) {
    assert.ok(used.has(m), `no panel shows ${m}`);
  }
});
