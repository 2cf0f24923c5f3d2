// The main job on a production-like stack (`make drill STACK=insta`): the redline of each web server type
// with the tier that limits it named, a drain toward us-east through the HAProxy edge, the loss of each
// DC in turn, and the plan per tier (web, cache and db servers per DC) for clusters/forecast.insta.csv.
import { defineScenario } from '../harness/drill';
import { instaGuards, instaMix } from './insta-mix';

export default defineScenario({
  name: 'insta-stack',
  description:
    'Which tier of an Instagram-shaped stack runs out first, how much one region carries, whether the survivors carry a lost DC, and the servers per tier and DC.',
  cluster: '../clusters/insta-stack.yaml',
  forecast: '../clusters/forecast.insta.csv',
  mix: instaMix,
  baselineRps: 150,
  guards: instaGuards,
  timeout: '2s',
  // An overloaded probe pool takes all the traffic: its errors are the global rate until a guard ends the step.
  safety: { maxErrorRate: 0.9, maxTotalRps: 700 },
  thresholds: {
    // Over the whole run, probes above the redline included: a stack in trouble fails these, a search does not.
    http_req_failed: ['rate<0.05'],
  },
  settle: '2s',
  measure: '4s',
  drills: [
    {
      kind: 'redline',
      name: 'redline-web',
      tier: 'web',
      serverTypes: 'all',
      startRps: 20,
      maxRps: 600,
      rampFactor: 1.6,
      resolution: 0.08,
      repeatUnstable: 1,
    },
    { kind: 'drain', name: 'drain-us-east', target: { region: 'us-east' }, totalRps: 300, steps: 4 },
    { kind: 'lose-dc', name: 'lose-each-dc', dc: 'each', mode: 'weight', settle: '3s', measure: '5s' },
  ],
});
