// A first drill on a high-rate service: nginx serving a small file (clusters/shapes/static.yaml; run
// `bash clusters/shapes/prepare.sh` once); a replica carries thousands of req/s. The redline of each
// server type, then a drain toward the east region.
import { defineScenario } from '../../harness/drill';

export default defineScenario({
  name: 'shape-static',
  description: 'Redlines and a drain of nginx serving a file',
  cluster: '../../clusters/shapes/static.yaml',
  mix: { endpoints: [{ name: 'file', weight: 1, protocol: 'http', path: '/index.html' }] },
  baselineRps: 2000,
  guards: {
    http_req_duration: [{ threshold: 'p(99)<100', window: '3s' }],
    http_req_failed: ['rate<0.01'],
    cpu_share: ['avg<0.8'],
  },
  safety: { maxErrorRate: 0.5, maxTotalRps: 40_000 },
  settle: '1s',
  measure: '3s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: 'all', startRps: 100, maxRps: 30_000, resolution: 0.05 },
    { kind: 'drain', name: 'drain-east', target: { region: 'east' }, totalRps: 6000, steps: 3 },
  ],
});
