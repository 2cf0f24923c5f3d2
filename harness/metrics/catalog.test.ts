// The catalog is the one list of metrics: every table derived from it agrees with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isResourceMetric,
  isSmoothMetric,
  metricCatalog,
  metricProtocol,
  metricTypes,
  requestMetrics,
} from './catalog';
import { parseThresholds } from './thresholds';

test('resource metrics are the CPU and memory ones, each with the Prometheus series a static server needs', () => {
  const resources = Object.keys(metricCatalog).filter(isResourceMetric);
  assert.deepEqual(resources, ['cpu_share', 'memory_mb', 'memory_share']);
  for (const m of resources) assert.ok(metricCatalog[m].prometheus, m);
  assert.deepEqual(Object.keys(metricCatalog).filter(isSmoothMetric), resources);
  // Neither a request metric nor the engine's vus is a resource metric; an unknown name is none.
  assert.equal(isResourceMetric('http_req_duration'), false);
  assert.equal(isResourceMetric('vus'), false);
  assert.equal(isResourceMetric('cpu'), false);
});

test('the k6 types, request metrics and protocols come from the catalog; a threshold on every metric of it parses', () => {
  assert.deepEqual(Object.keys(metricTypes), Object.keys(metricCatalog));
  assert.equal(requestMetrics.has('http_req_duration'), true);
  assert.equal(requestMetrics.has('cpu_share'), false);
  assert.equal(requestMetrics.has('vus'), false);
  assert.deepEqual(metricProtocol, {
    http_reqs: 'http',
    http_req_duration: 'http',
    http_req_failed: 'http',
    grpc_reqs: 'grpc',
    grpc_req_duration: 'grpc',
    grpc_req_failed: 'grpc',
  });
  const aggregation = { trend: 'p(99)<1', counter: 'count<1', rate: 'rate<1', gauge: 'avg<1' };
  const spec = Object.fromEntries(Object.entries(metricTypes).map(([m, type]) => [m, [aggregation[type]]]));
  assert.equal(parseThresholds(spec).length, Object.keys(metricCatalog).length);
});
