// The main job (`make drill`): the redline of each server type, a drain toward use1, and the loss of
// each DC in turn at the baseline rate; then the plan for clusters/forecast.example.csv.
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'capacity-drill',
  description:
    'Redlines per server type, a drain toward use1, and the loss of each DC in turn: servers per DC for the forecast.',
  cluster: '../clusters/local-3dc.yaml',
  forecast: '../clusters/forecast.example.csv',
  mix: feedMix,
  baselineRps: 250,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
  thresholds: {
    // Over the whole run, the short probes above the redline included: a harness or a cluster in
    // trouble fails these, a redline search does not.
    http_req_failed: ['rate<0.05'],
    dropped_iterations: ['count<100'],
  },
  settle: '2s',
  measure: '5s',
  drills: [
    {
      kind: 'redline',
      name: 'redline',
      serverTypes: 'all',
      startRps: 60,
      maxRps: 400,
      rampFactor: 1.5,
      resolution: 0.03,
      precision: 0.03,
      budget: '75s',
    },
    { kind: 'drain', name: 'drain-use1', target: { dc: 'use1' }, totalRps: 400, steps: 5, settle: '3s', measure: '6s' },
    { kind: 'lose-dc', name: 'lose-each-dc', dc: 'each', mode: 'weight', settle: '3s', measure: '8s' },
  ],
});
