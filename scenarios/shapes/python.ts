// A first drill on an interpreted service with a garbage collector: Debian's Python under a threaded
// http.server (clusters/shapes/python.yaml; run `bash clusters/shapes/prepare.sh` once). The redline of
// each server type, then a drain toward the east region.
import { defineScenario } from '../../harness/drill';

export default defineScenario({
  name: 'shape-python',
  description: 'Redlines and a drain of a Python service',
  cluster: '../../clusters/shapes/python.yaml',
  mix: { endpoints: [{ name: 'work', weight: 1, protocol: 'http', path: '/work' }] },
  baselineRps: 20,
  guards: {
    http_req_duration: [{ threshold: 'p(99)<500', window: '5s' }],
    http_req_failed: ['rate<0.01'],
    cpu_share: ['avg<0.8'],
  },
  safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
  settle: '2s',
  measure: '4s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: 'all', startRps: 5, maxRps: 1000, resolution: 0.05 },
    { kind: 'drain', name: 'drain-east', target: { region: 'east' }, totalRps: 40, steps: 3 },
  ],
});
