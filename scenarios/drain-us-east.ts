// Drain toward us-east at a constant 400 req/s: its share goes from its demand (45%) to 100% in
// steps; the drain stops at the first guard breach and backs off to the step before.
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'drain-us-east',
  description: 'How much of the global traffic can us-east carry alone?',
  cluster: '../clusters/local-3dc.yaml',
  mix: feedMix,
  baselineRps: 250,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
  drills: [
    {
      kind: 'drain',
      name: 'drain-us-east',
      target: { region: 'us-east' },
      totalRps: 400,
      steps: 6,
      settle: '3s',
      measure: '6s',
    },
  ],
});
