// Seconds: bring local-3dc up, send a little traffic at demand weights, check it is served, tear down.
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'smoke',
  description: 'A few seconds of light traffic at demand weights: the cluster answers and the guards hold.',
  cluster: '../clusters/local-3dc.yaml',
  mix: feedMix,
  baselineRps: 40,
  guards: feedGuards,
  safety: { maxErrorRate: 0.2, maxTotalRps: 200 },
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<250'] },
  drills: [{ kind: 'hold', name: 'smoke', settle: '1s', measure: '4s', steps: 1 }],
});
