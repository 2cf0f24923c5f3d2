// A short drain toward us-east through a real HAProxy edge: the generator sends to the region
// frontends and each step moves HAProxy's server weights (runtime API), not the generator's router.
// Figures per pool and DC are the replicas' own (HAProxy names the server that answered). On a 2-core machine
// shared with other tests it breaks at its first step, as the same drain direct does (see docs/edge.md).
import { defineScenario } from '../harness/drill';
import { feedGuards, feedMix } from './feed-mix';

export default defineScenario({
  name: 'edge-drain',
  description: 'How much of the global traffic can us-east carry alone, with HAProxy choosing the replicas?',
  cluster: '../clusters/local-edge.yaml',
  // HTTP only: the generated edge is `mode http` over HTTP/1.1, so gRPC (HTTP/2) does not pass through it.
  mix: { ...feedMix, endpoints: feedMix.endpoints.filter((e) => e.protocol === 'http') },
  baselineRps: 150,
  guards: feedGuards,
  safety: { maxErrorRate: 0.5, maxTotalRps: 400 },
  drills: [
    {
      kind: 'drain',
      name: 'edge-drain-us-east',
      target: { region: 'us-east' },
      totalRps: 250,
      steps: 3,
      settle: '2s',
      measure: '4s',
    },
  ],
});
