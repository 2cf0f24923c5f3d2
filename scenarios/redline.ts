// The redline of every server type of local-3dc: per type, traffic to one pool, a ramp aimed by each probe's
// CPU share then a bisection to 5%, then probes just below the redline until its 95% interval is ±3% (60 s per
// type at most), each probe 1 s settle + 4 s measure. `--baseline RUN` starts near the last redline.
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'redline',
  description: 'Redline per server type: the highest req/s per replica at which p99, errors and CPU hold.',
  cluster: '../clusters/local-3dc.yaml',
  mix: feedMix,
  baselineRps: 150,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
  settle: '1s',
  measure: '4s',
  drills: [
    {
      kind: 'redline',
      name: 'redline',
      serverTypes: 'all',
      startRps: 60,
      maxRps: 400,
      rampFactor: 1.5,
      resolution: 0.05,
      precision: 0.03,
      budget: '60s',
    },
  ],
});
