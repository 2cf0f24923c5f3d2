// Tells a team about a failed or regressed drill: a JSON summary POSTed to a webhook (Slack and Teams
// read its `text`), with a timeout per attempt and retries with backoff. The payload is documented in docs/ci/README.md.
import type { Comparison, Plan } from '../capacity';
import type { Summary } from '../results';

export interface PlanChange {
  servers: { before: number | null; after: number };
  costPerHour: { before: number | null; after: number };
  /** Per DC and server type where the count changed (or every row when there is no baseline plan). */
  pools: { dc: string; serverType: string; before: number | null; after: number }[];
}

export interface NotifyPayload {
  source: 'headroom';
  /** Bumped when a field changes meaning; fields are only ever added within one version. */
  schemaVersion: 1;
  status: Summary['status'];
  /** True when a server type regressed against the baseline (exit 99 even when status is passed). */
  regressed: boolean;
  exitCode: number | null;
  runId: string;
  scenario: string;
  cluster: string;
  startedAt: string;
  endedAt: string;
  baselineRunId: string | null;
  regressions: {
    serverType: string;
    redlineBefore: number | null;
    redlineAfter: number | null;
    redlineChange: number | null;
    cpuMsPerRequestBefore: number | null;
    cpuMsPerRequestAfter: number | null;
    cpuChange: number | null;
    notes: string[];
  }[];
  failedThresholds: { name: string; value: number | null }[];
  /** Survivors that broke when a DC was lost. */
  failedSurvivors: {
    drill: string;
    lostDc: string;
    dc: string;
    loadRps: number;
    capacityRps: number | null;
    brokenBy: string | null;
  }[];
  plan: PlanChange | null;
  error: string | null;
  /** A link (when a report URL is known) or the path of index.html. */
  report: string | null;
  /** One message for people, in Slack mrkdwn (Teams renders the same text as markdown). */
  text: string;
}

export interface NotifyInput {
  summary: Summary;
  comparison?: Comparison;
  /** The plan of this run and the baseline's, when both were planned. */
  plan?: Plan;
  baselinePlan?: Plan;
  exitCode?: number;
  report?: string;
}

const servers = (p: Plan) => p.recommended.reduce((n, r) => n + r.servers, 0);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function planChange(plan: Plan | undefined, baseline: Plan | undefined): PlanChange | null {
  if (!plan) return null;
  const before = new Map((baseline?.recommended ?? []).map((r) => [`${r.dc}/${r.serverType}`, r.servers]));
  const keys = new Set([...plan.recommended.map((r) => `${r.dc}/${r.serverType}`), ...before.keys()]);
  const after = new Map(plan.recommended.map((r) => [`${r.dc}/${r.serverType}`, r.servers]));
  const pools = [...keys]
    .map((k) => {
      const [dc, serverType] = k.split('/');
      return { dc, serverType, before: baseline ? (before.get(k) ?? 0) : null, after: after.get(k) ?? 0 };
    })
    .filter((p) => p.before === null || p.before !== p.after);
  return {
    servers: { before: baseline ? servers(baseline) : null, after: servers(plan) },
    costPerHour: { before: baseline ? round(baseline.totalCostPerHour) : null, after: round(plan.totalCostPerHour) },
    pools,
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const signed = (x: number, digits = 0) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

function textOf(p: Omit<NotifyPayload, 'text'>): string {
  const verdict = p.status === 'passed' && p.regressed ? 'REGRESSED' : p.status.toUpperCase();
  const exit = p.exitCode !== null ? `, exit ${p.exitCode}` : '';
  const lines = [`*headroom ${verdict}*: ${p.scenario} on ${p.cluster} (run ${p.runId}${exit})`];
  if (p.error) lines.push(`error: ${p.error}`);
  for (const r of p.regressions) {
    lines.push(
      `• ${r.serverType}: redline ${r.redlineBefore ?? 'n/a'} -> ${r.redlineAfter ?? 'none'} req/s per replica` +
        ` (${pct(r.redlineChange)}), CPU per request ${pct(r.cpuChange)} against ${p.baselineRunId}`,
    );
  }
  for (const t of p.failedThresholds) lines.push(`• threshold ${t.name} failed (value ${t.value ?? 'n/a'})`);
  for (const s of p.failedSurvivors) {
    lines.push(
      `• losing ${s.lostDc}: ${s.dc} broke at ${s.loadRps} req/s (capacity ${s.capacityRps ?? 'n/a'})` +
        ` on ${s.brokenBy ?? 'a guard'}`,
    );
  }
  if (p.plan) {
    const { servers: sv, costPerHour: c } = p.plan;
    lines.push(
      sv.before === null || c.before === null
        ? `plan: ${sv.after} servers, ${c.after.toFixed(2)}/h`
        : `plan: ${sv.before} -> ${sv.after} servers (${signed(sv.after - sv.before)}), ` +
            `${c.before.toFixed(2)} -> ${c.after.toFixed(2)}/h (${signed(c.after - c.before, 2)})`,
    );
  }
  if (p.report) lines.push(`report: ${p.report}`);
  return lines.join('\n');
}

/** The payload of one run. Pure. */
export function notifyPayload(input: NotifyInput): NotifyPayload {
  const s = input.summary;
  const c = input.comparison;
  const base: Omit<NotifyPayload, 'text'> = {
    source: 'headroom',
    schemaVersion: 1,
    status: s.status,
    regressed: (c?.regressed.length ?? 0) > 0,
    exitCode: input.exitCode ?? null,
    runId: s.runId,
    scenario: s.scenario,
    cluster: s.cluster.name,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    baselineRunId: c?.runA ?? null,
    regressions: (c?.types ?? [])
      .filter((t) => t.regressed)
      .map((t) => ({
        serverType: t.serverType,
        redlineBefore: t.redlineA,
        redlineAfter: t.redlineB,
        redlineChange: t.redlineChange,
        cpuMsPerRequestBefore: t.cpuMsPerRequestA,
        cpuMsPerRequestAfter: t.cpuMsPerRequestB,
        cpuChange: t.cpuChange,
        notes: t.notes,
      })),
    failedThresholds: Object.entries(s.thresholds)
      .filter(([, t]) => !t.ok)
      .map(([name, t]) => ({ name, value: t.value })),
    failedSurvivors: s.failovers.flatMap((f) =>
      f.survivors
        .filter((v) => !v.held)
        .map((v) => ({
          drill: f.drill,
          lostDc: f.lostDc,
          dc: v.dc,
          loadRps: v.loadRps,
          capacityRps: v.capacityRps,
          brokenBy: v.brokenBy ?? null,
        })),
    ),
    plan: planChange(input.plan, input.baselinePlan),
    error: s.error ?? null,
    report: input.report ?? null,
  };
  return { ...base, text: textOf(base) };
}

/** Only bad news is sent unless the user asks for every run (`--notify-always`). */
export function shouldNotify(p: NotifyPayload, always = false): boolean {
  return always || p.status !== 'passed' || p.regressed;
}

export interface PostOptions {
  /** Per attempt, ms (default 5000). */
  timeoutMs?: number;
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First wait between attempts, ms, doubled each time (default 500). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PostResult {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status, when any answer came. */
  status: number | null;
  /** Why each failed attempt failed, in order. */
  failures: string[];
}

// Retrying a 4xx other than these resends a request the receiver already refused for good.
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * POSTs the payload as JSON. Never throws: a webhook that is down must not turn a drill's verdict
 * into an error, so the caller logs the result as a warning and keeps the drill's exit code.
 */
export async function postNotification(
  url: string,
  payload: NotifyPayload,
  opts: PostOptions = {},
): Promise<PostResult> {
  const { timeoutMs = 5000, retries = 3, backoffMs = 500 } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = JSON.stringify(payload);
  const failures: string[] = [];
  let status: number | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'headroom' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined); // frees the connection
      if (res.ok) return { delivered: true, attempts: attempt + 1, status, failures };
      failures.push(`HTTP ${res.status}`);
      if (!retryable(res.status)) break;
    } catch (err) {
      const e = err as Error & { cause?: Error };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `${e.message}${e.cause ? `: ${e.cause.message}` : ''}`;
      failures.push(why);
    }
  }
  return { delivered: false, attempts: failures.length, status, failures };
}
