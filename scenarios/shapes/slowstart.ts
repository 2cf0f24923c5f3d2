// A first drill on a service headroom has never seen: a server slow to become healthy (15 s) whose health path is /status
// (clusters/shapes/slowstart.yaml; run `bash clusters/shapes/prepare.sh` once). The redline of each server type,
// then a drain toward the east region.
import { defineScenario } from '../../harness/drill';

export default defineScenario({
  name: 'shape-slowstart',
  description: 'Redlines and a drain of a service slow to start',
  cluster: '../../clusters/shapes/cgi.yaml',
  mix: { endpoints: [{ name: 'burn', weight: 1, protocol: 'http', path: '/cgi-bin/burn' }] },
  baselineRps: 20,
  guards: {
    http_req_duration: [{ threshold: 'p(99)<500', window: '5s' }],
    http_req_failed: ['rate<0.01'],
    cpu_share: ['avg<0.8'],
  },
  safety: { maxErrorRate: 0.5, maxTotalRps: 1000 },
  settle: '2s',
  measure: '4s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: 'all', startRps: 2, maxRps: 500, resolution: 0.05 },
    { kind: 'drain', name: 'drain-east', target: { region: 'east' }, totalRps: 30, steps: 3 },
  ],
});
