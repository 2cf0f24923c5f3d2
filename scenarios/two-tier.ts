// Two tiers on local-2tier: the web tier takes the traffic, each feed request calls the backend tier
// of its own DC. A redline of the web tier (the DC with one web replica) and a drain toward us-east;
// both are limited by the backend tier, which runs out first. About two minutes.
import { defineScenario } from '../harness/drill';
import { feedMix } from './feed-mix';

export default defineScenario({
  name: 'two-tier',
  description: 'Which tier runs out first, and how many servers of each tier each DC needs.',
  cluster: '../clusters/local-2tier.yaml',
  forecast: '../clusters/forecast.2tier.csv',
  mix: feedMix,
  baselineRps: 8,
  // CPU is judged on every pool of every tier in the target DC, latency and errors at the front.
  guards: {
    http_req_duration: [{ threshold: 'p(99)<1500', window: '5s' }],
    http_req_failed: [{ threshold: 'rate<0.02', window: '5s' }],
    cpu_share: [{ threshold: 'avg<0.8', window: '5s' }],
  },
  timeout: '3s',
  // An overloaded probe pool takes all the traffic: its errors are the global rate until the guard ends the step.
  safety: { maxErrorRate: 0.9, maxTotalRps: 200 },
  settle: '2s',
  measure: '5s',
  drills: [
    {
      kind: 'redline',
      name: 'redline-web',
      tier: 'web',
      serverTypes: 'all',
      startRps: 8,
      maxRps: 150,
      rampFactor: 1.5,
      resolution: 0.15,
      repeatUnstable: 1,
    },
    { kind: 'drain', name: 'drain-us-east', target: { region: 'us-east' }, totalRps: 40, steps: 4 },
  ],
});
