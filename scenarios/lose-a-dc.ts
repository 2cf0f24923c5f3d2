// Lose use1 (the biggest DC): its weight goes to zero, its traffic moves to usw2 and euw1 by the
// cluster's failover map; then again with its containers killed (and brought back afterwards).
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'lose-a-dc',
  description: 'Can usw2 and euw1 carry the load when use1 is gone?',
  cluster: '../clusters/local-3dc.yaml',
  mix: feedMix,
  baselineRps: 250,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
  drills: [
    { kind: 'redline', name: 'redline', startRps: 60, maxRps: 400, rampFactor: 1.5 },
    { kind: 'lose-dc', name: 'lose-use1', dc: 'use1', mode: 'weight', settle: '3s', measure: '10s' },
    { kind: 'lose-dc', name: 'kill-use1', dc: 'use1', mode: 'kill', settle: '3s', measure: '10s' },
  ],
});
