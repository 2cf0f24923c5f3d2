// A first drill on a service headroom has never seen: a slow endpoint (about 1 req/s per replica: busybox httpd + a heavy shell CGI)
// (clusters/shapes/slow.yaml; run `bash clusters/shapes/prepare.sh` once). The redline of each server type,
// then a drain toward the east region.
import { defineScenario } from '../../harness/drill';

export default defineScenario({
  name: 'shape-slow',
  description: 'Redlines and a drain of a slow endpoint',
  cluster: '../../clusters/shapes/slow.yaml',
  mix: { endpoints: [{ name: 'burn', weight: 1, protocol: 'http', path: '/cgi-bin/burn' }] },
  baselineRps: 1,
  timeout: '10s',
  guards: {
    http_req_duration: [{ threshold: 'p(99)<3000', window: '5s' }],
    http_req_failed: ['rate<0.01'],
    cpu_share: ['avg<0.8'],
  },
  safety: { maxErrorRate: 0.5, maxTotalRps: 1000 },
  settle: '2s',
  measure: '4s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: 'all', startRps: 0.3, maxRps: 50, resolution: 0.05 },
    { kind: 'drain', name: 'drain-east', target: { region: 'east' }, totalRps: 1.5, steps: 3 },
  ],
});
