// Two tiers on local-2tier: the web tier takes the traffic, each feed request calls the backend tier
// of its own DC. A redline of the web tier (the DC with one web replica) and a drain toward us-east;
// both are limited by the backend tier, which runs out first. About two minutes.
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'two-tier',
  description: 'Which tier runs out first, and how many servers of each tier each DC needs.',
  cluster: '../clusters/local-2tier.yaml',
  mix: feedMix,
  baselineRps: 30,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 300 },
  settle: '2s',
  measure: '5s',
  drills: [
    { kind: 'redline', name: 'redline-web', tier: 'web', serverTypes: 'all', startRps: 12, maxRps: 200, rampFactor: 2, resolution: 0.1, repeatUnstable: 1 },
    { kind: 'drain', name: 'drain-us-east', target: { region: 'us-east' }, totalRps: 70, steps: 4, settle: '2s', measure: '5s' },
  ],
});
