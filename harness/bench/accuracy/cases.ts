// The accuracy suite's cases: reference replicas whose CPU cost per request (FEED_CPU_MS) and CPU quota
// the drill is not told, each as a one-replica cluster file and a redline scenario (CPU guard avg<0.75).
import type { ScenarioInput } from '../../drill';

export interface AccuracyCaseSpec {
  name: string;
  /** CPU ms of one core per feed request (the reference service's knob), on top of the HTTP overhead. */
  feedCpuMs: number;
  /** The replica's CPU quota, cores. */
  cpus: number;
}

/**
 * Different costs and quotas, truths from about 50 to 90 req/s per replica. Quotas stay small: on a shared
 * 2-core machine a replica of 0.5 CPU was starved below its quota (it answered half its load at half its share).
 */
export const accuracyCases: readonly AccuracyCaseSpec[] = [
  { name: 'feed1.2-cpu0.2', feedCpuMs: 1.2, cpus: 0.2 },
  { name: 'feed2-cpu0.25', feedCpuMs: 2, cpus: 0.25 },
  { name: 'feed5-cpu0.4', feedCpuMs: 5, cpus: 0.4 },
];

/** The CPU guard every case is limited by; the truth is where the cgroup's CPU share crosses it. */
export const cpuLimit = 0.75;

/**
 * How each redline search probes. scenarios/redline.ts's ramp and repeats, with a 4 s measure and a 5%
 * resolution (redline.ts: 5 s, 3%) so that three cases fit in about 15 minutes; the line through every
 * probe, not the last bisection step, sets the redline.
 */
export interface DrillTiming {
  settle: string;
  measure: string;
  repeats: number;
  startRps: number;
  maxRps: number;
  rampFactor: number;
  resolution: number;
}

export const redlineTiming: DrillTiming = {
  settle: '2s',
  measure: '4s',
  repeats: 3,
  startRps: 20,
  maxRps: 400,
  rampFactor: 1.5,
  resolution: 0.05,
};

/** The case's cluster file: one DC, one pool of one replica of server type `gen1`, on `ports`. */
export function caseClusterYaml(c: AccuracyCaseSpec, clusterName: string, ports: [number, number]): string {
  return [
    `# accuracy case ${c.name}: FEED_CPU_MS ${c.feedCpuMs}, ${c.cpus} CPU (written by the accuracy suite)`,
    `name: ${clusterName}`,
    'driver: docker',
    `ports: ${ports[0]}-${ports[1]}`,
    'host: 127.0.0.1',
    'allowTargets: []',
    'service:',
    '  env:',
    `    FEED_CPU_MS: "${c.feedCpuMs}"`,
    '    LIKE_CPU_MS: "0.3"',
    '    BACKEND_WAIT_MS: "0"',
    '    ERROR_RATE: "0"',
    'serverTypes:',
    `  gen1: { cpus: ${c.cpus}, memoryMb: 256, workers: 1, costPerHour: 0.01 }`,
    'regions:',
    '  - name: east',
    '    dcs:',
    '      - name: dc1',
    '        demand: 100',
    '        pools: { gen1: 1 }',
    '',
  ].join('\n');
}

/** The case's redline scenario: HTTP feed only (the generator of the truth sends the same requests). */
export function caseScenario(c: AccuracyCaseSpec, clusterFile: string, t: DrillTiming): ScenarioInput {
  return {
    name: `accuracy-${c.name}`,
    description: `accuracy case ${c.name}: the redline of a replica whose cost and quota the drill is not told`,
    cluster: clusterFile,
    mix: {
      endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
      params: { user: { kind: 'uniform', min: 1, max: 1000 } },
    },
    baselineRps: 20,
    // CPU is the guard that must limit: latency and errors only catch a replica that falls over.
    guards: {
      cpu_share: [{ threshold: `avg<${cpuLimit}`, window: t.measure }],
      http_req_duration: [{ threshold: 'p(99)<2000', window: t.measure }],
      http_req_failed: [{ threshold: 'rate<0.05', window: t.measure }],
    },
    safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
    settle: t.settle,
    measure: t.measure,
    drills: [
      {
        kind: 'redline',
        name: 'redline',
        serverTypes: 'all',
        startRps: t.startRps,
        maxRps: t.maxRps,
        rampFactor: t.rampFactor,
        resolution: t.resolution,
        repeats: t.repeats,
      },
    ],
  };
}
