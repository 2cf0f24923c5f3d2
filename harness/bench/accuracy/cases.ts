// The accuracy suite's cases: replicas whose CPU cost per request and quota the drill is not told, either the
// reference service (its FEED_CPU_MS knob) or a service shape of clusters/shapes/ (its build context, command,
// env, health), each as a one-replica cluster file (the twin's is the same but for its name and ports) and a
// redline scenario (CPU guard avg<0.75) that works to a precision target.
import * as path from 'node:path';
import type { ScenarioInput } from '../../drill';

interface CaseBase {
  name: string;
  /** The replica's CPU quota, cores. */
  cpus: number;
  /** The case's second run has a CPU hog on the machine (one core kept busy); otherwise both runs are quiet. */
  busySecondRun?: boolean;
}

export interface ReferenceCaseSpec extends CaseBase {
  kind: 'reference';
  /** CPU ms of one core per feed request (the reference service's knob), on top of the HTTP overhead. */
  feedCpuMs: number;
}

export interface ShapeCaseSpec extends CaseBase {
  kind: 'shape';
  /** The build context, `.cache/shapes/<context>` (clusters/shapes/prepare.sh builds it from Debian packages). */
  context: string;
  /** Docker's Cmd, with the cluster file's templates ({{host}}, {{port.http}}). */
  command: string[];
  env: Record<string, string>;
  /** The health check's HTTP path. */
  health: string;
  /** The one request path the drill and the truth's generator send. */
  path: string;
  /**
   * The first load, req/s, well below the redline: the truth's first reading and the drill's first probe (a
   * third to a half of the redline; for a server whose CPU per request falls at low rates, where it stops falling).
   */
  startRps: number;
  stopSignal?: string;
}

export type AccuracyCaseSpec = ReferenceCaseSpec | ShapeCaseSpec;

/**
 * Different costs, quotas and shapes of service. Quotas stay small: on a shared 2-core machine a replica of
 * 0.5 CPU was starved below its quota (it answered half its load at half its share), and a replica and its
 * twin run at once. Three cases (one reference, two shapes) run their second run beside a CPU hog.
 */
export const accuracyCases: readonly AccuracyCaseSpec[] = [
  { kind: 'reference', name: 'feed1.2-cpu0.2', feedCpuMs: 1.2, cpus: 0.2 },
  { kind: 'reference', name: 'feed2-cpu0.25', feedCpuMs: 2, cpus: 0.25, busySecondRun: true },
  { kind: 'reference', name: 'feed5-cpu0.4', feedCpuMs: 5, cpus: 0.4 },
  {
    // Fork per request: busybox httpd starts a shell CGI for each one and closes the connection.
    kind: 'shape',
    name: 'cgi-cpu0.25',
    cpus: 0.25,
    context: 'cgi',
    command: ['httpd', '-f', '-p', '{{host}}:{{port.http}}', '-h', '/www'],
    env: { BURN: '1500' },
    health: '/healthz',
    path: '/cgi-bin/burn',
    startRps: 15,
    stopSignal: 'SIGKILL',
    busySecondRun: true,
  },
  {
    // An interpreter with a garbage collector: Python's http.server building objects with cycles per request.
    kind: 'shape',
    name: 'python-cpu0.25',
    cpus: 0.25,
    context: 'python',
    command: ['{{host}}', '{{port.http}}'],
    env: { WORK: '1000' },
    health: '/healthz',
    path: '/work',
    startRps: 15,
    busySecondRun: true,
  },
  {
    // A high-rate static server: nginx, one worker, keep-alive. The small quota keeps its redline within what
    // the in-process drill and the twin's generator can send at once on this machine.
    kind: 'shape',
    name: 'static-cpu0.1',
    cpus: 0.1,
    context: 'static',
    command: ['{{host}}', '{{port.http}}'],
    env: {},
    health: '/healthz',
    path: '/index.html',
    startRps: 1000,
  },
];

/** The CPU guard every case is limited by; the truth is where the cgroup's CPU share crosses it. */
export const cpuLimit = 0.75;

/** The reference service's HTTP overhead per request, CPU ms (beside FEED_CPU_MS): for the first load's guess. */
const REFERENCE_OVERHEAD_MS = 0.5;

/** The case's first load, req/s: about 35% of the quota (the reference's from its knob, a shape's as given). */
export function firstRps(c: AccuracyCaseSpec): number {
  return c.kind === 'shape' ? c.startRps : Math.round((0.35 * c.cpus * 1000) / (c.feedCpuMs + REFERENCE_OVERHEAD_MS));
}

/** The request path the truth's generator sends as its i-th request (the drill sends the same ones). */
export function requestPath(c: AccuracyCaseSpec): (i: number) => string {
  if (c.kind === 'shape') {
    const p = c.path;
    return () => p;
  }
  return (i) => `/feed?user=${(i % 1000) + 1}`;
}

/** What the case is, in words, for the log and the table (the drill is told none of it). */
export function describeCase(c: AccuracyCaseSpec): string {
  if (c.kind === 'reference') return `reference, FEED_CPU_MS ${c.feedCpuMs}`;
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${v}`);
  return [`shape ${c.context}`, ...env].join(', ');
}

/**
 * How each redline search probes: settle and measure per probe, the ramp, the resolution of the first
 * search, and the precision the drill works to (the half-width of its 95% interval, as a share of the
 * redline) within its time budget per server type; `repeats` is the least number of searches.
 */
export interface DrillTiming {
  settle: string;
  measure: string;
  repeats: number;
  precision: number;
  budget: string;
  rampFactor: number;
  resolution: number;
}

export const redlineTiming: DrillTiming = {
  settle: '2s',
  measure: '4s',
  repeats: 1,
  precision: 0.03,
  budget: '2m',
  rampFactor: 1.5,
  resolution: 0.05,
};

/** The search's ceiling: far above any case's redline (the first load is about half of it). */
const maxRps = (c: AccuracyCaseSpec) => Math.max(100, Math.round(firstRps(c) * 10));

function serviceYaml(c: AccuracyCaseSpec, root: string): string[] {
  if (c.kind === 'reference')
    return [
      'service:',
      '  env:',
      `    FEED_CPU_MS: "${c.feedCpuMs}"`,
      '    LIKE_CPU_MS: "0.3"',
      '    BACKEND_WAIT_MS: "0"',
      '    ERROR_RATE: "0"',
    ];
  return [
    'services:',
    '  web:',
    `    build: ${JSON.stringify(path.join(root, '.cache', 'shapes', c.context))}`,
    `    command: ${JSON.stringify(c.command)}`,
    `    env: ${JSON.stringify(c.env)}`,
    `    health: { http: ${JSON.stringify(c.health)} }`,
    ...(c.stopSignal ? [`    stopSignal: ${c.stopSignal}`] : []),
  ];
}

/**
 * The case's cluster file: one DC, one pool of one replica of server type `gen1`, on `ports`. `root` is the
 * repository (a shape's build context is `.cache/shapes/<context>` there). The twin's differs only by name
 * and ports: the same image (one build context, one tag), env and quota.
 */
export function caseClusterYaml(
  c: AccuracyCaseSpec,
  clusterName: string,
  ports: [number, number],
  root: string,
): string {
  return [
    `# accuracy case ${c.name}: ${describeCase(c)}, ${c.cpus} CPU (written by the accuracy suite)`,
    `name: ${clusterName}`,
    'driver: docker',
    `ports: ${ports[0]}-${ports[1]}`,
    'host: 127.0.0.1',
    'allowTargets: []',
    ...serviceYaml(c, root),
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

/** The case's redline scenario: its one request (the generator of the truth sends the same requests). */
export function caseScenario(c: AccuracyCaseSpec, clusterFile: string, t: DrillTiming): ScenarioInput {
  const mix: ScenarioInput['mix'] =
    c.kind === 'shape'
      ? { endpoints: [{ name: 'get', weight: 1, protocol: 'http', path: c.path }] }
      : {
          endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
          params: { user: { kind: 'uniform', min: 1, max: 1000 } },
        };
  const top = maxRps(c);
  return {
    name: `accuracy-${c.name}`,
    description: `accuracy case ${c.name}: the redline of a replica whose cost and quota the drill is not told`,
    cluster: clusterFile,
    mix,
    baselineRps: firstRps(c),
    // CPU is the guard that must limit: latency and errors only catch a replica that falls over.
    guards: {
      cpu_share: [{ threshold: `avg<${cpuLimit}`, window: t.measure }],
      http_req_duration: [{ threshold: 'p(99)<2000', window: t.measure }],
      http_req_failed: [{ threshold: 'rate<0.05', window: t.measure }],
    },
    safety: { maxErrorRate: 0.5, maxTotalRps: Math.round(top * 1.5) },
    settle: t.settle,
    measure: t.measure,
    drills: [
      {
        kind: 'redline',
        name: 'redline',
        serverTypes: 'all',
        startRps: firstRps(c),
        maxRps: top,
        rampFactor: t.rampFactor,
        resolution: t.resolution,
        repeats: t.repeats,
        precision: t.precision,
        budget: t.budget,
      },
    ],
  };
}
