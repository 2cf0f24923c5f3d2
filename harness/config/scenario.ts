// Loads a scenario script (TypeScript through ts-node, or plain JS), validates it and resolves it:
// durations in ms, paths absolute, defaults filled. Every problem is collected into ConfigErrors (exit 104).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { allowTypeScript, ConfigError, ConfigErrors, parseDuration } from '../common';
import { parseThresholds } from '../metrics';
import { resourceGuardProblems } from './resource-guards';
import { scenarioSchema } from './scenario-schema';
import { scenarioTierProblems } from './scenario-tiers';
import type { DrainTarget, GuardThreshold, ScenarioInput, ScenarioMix } from './scenario-types';

export * from './scenario-types';

interface Timing {
  settleMs: number;
  measureMs: number;
}
export type ResolvedDrill =
  | (Timing & {
      kind: 'redline';
      name: string;
      serverTypes: 'all' | string[];
      pool?: string;
      tier?: string;
      startRps: number;
      maxRps: number;
      rampFactor: number;
      resolution: number;
      repeatUnstable: number;
      repeats: number;
    })
  | (Timing & {
      kind: 'sweep';
      name: string;
      serverTypes: 'all' | string[];
      pool?: string;
      tier?: string;
      from?: number;
      to?: number;
      aroundRedline?: [number, number];
      spacing: number;
      stopAtBreach: boolean;
      repeatUnstable: number;
    })
  | (Timing & { kind: 'drain'; name: string; target: DrainTarget; totalRps: number; steps: number })
  | (Timing & { kind: 'lose-dc'; name: string; dc: string; mode: 'weight' | 'kill'; totalRps: number })
  | (Timing & { kind: 'hold'; name: string; totalRps: number; steps: number });

export interface Scenario {
  name: string;
  description?: string;
  /** Absolute path of the scenario script. */
  file: string;
  /** Absolute path of the cluster file. */
  clusterFile: string;
  mix: ScenarioMix;
  baselineRps: number;
  timeoutMs: number;
  maxInFlight: number;
  /** Guards with every entry in object form and a window. */
  guards: Record<string, { threshold: string; window: string; abortOnFail?: boolean; delayAbortEval?: string }[]>;
  guardWindowMs: number;
  guardDelayMs: number;
  safety: { maxErrorRate: number; maxTotalRps: number; windowMs: number };
  thresholds: Record<string, GuardThreshold[]>;
  forecastFile?: string;
  drills: ResolvedDrill[];
}

/** The typed identity that scenario scripts default-export. */
export function defineScenario<const S extends ScenarioInput>(scenario: S): S {
  return scenario;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function fieldPath(p: PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

function valueAt(root: unknown, p: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Validates a scenario object; throws ConfigErrors with every problem. Returns it resolved. */
export function validateScenario(input: unknown, file: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((iss) => {
      const p = iss.path as PropertyKey[];
      const field = fieldPath(p);
      const got =
        iss.code === 'unrecognized_keys'
          ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`
          : `got ${describe(valueAt(input, p))}`;
      const hint =
        iss.code === 'unrecognized_keys'
          ? 'check the spelling against ScenarioInput in harness/config/scenario-types.ts'
          : undefined;
      const expected =
        iss.code === 'unrecognized_keys'
          ? 'expected only the fields a scenario defines'
          : iss.message.replace(/^Invalid (input|discriminator value)[.:] /, '').replace(/^Expected/, 'expected');
      return new ConfigError(file, field || '(scenario)', `${got}; ${expected}`, hint);
    });
    throw new ConfigErrors(problems);
  }
  const s = parsed.data;
  const dir = path.dirname(file);
  const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : parseDuration(v)!);
  const settleDefault = ms(s.settle, 3000);
  const measureDefault = ms(s.measure, 6000);
  const guardWindowMs = ms(s.guardWindow, 5000);
  const windowText = `${guardWindowMs}ms`;
  const guards: Scenario['guards'] = {};
  for (const [metric, list] of Object.entries(s.guards)) {
    guards[metric] = list.map((g) =>
      typeof g === 'string'
        ? { threshold: g, window: windowText }
        : ({
            ...g,
            window: g.window === undefined ? windowText : String(g.window),
          } as Scenario['guards'][string][number]),
    );
  }
  const drills: ResolvedDrill[] = s.drills.map((d) => {
    const t = { settleMs: ms(d.settle, settleDefault), measureMs: ms(d.measure, measureDefault) };
    switch (d.kind) {
      case 'redline':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          serverTypes: d.serverTypes ?? 'all',
          pool: d.pool,
          ...(d.tier ? { tier: d.tier } : {}),
          startRps: d.startRps,
          maxRps: d.maxRps,
          rampFactor: d.rampFactor ?? 2,
          resolution: d.resolution ?? 0.03,
          repeatUnstable: d.repeatUnstable ?? 2,
          repeats: d.repeats ?? 1,
        };
      case 'sweep':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          serverTypes: d.serverTypes ?? 'all',
          pool: d.pool,
          ...(d.tier ? { tier: d.tier } : {}),
          from: d.from,
          to: d.to,
          aroundRedline: d.aroundRedline as [number, number] | undefined,
          spacing: d.spacing ?? 0.02,
          stopAtBreach: d.stopAtBreach ?? true,
          repeatUnstable: 1,
        };
      case 'drain':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          target: d.target as DrainTarget,
          totalRps: d.totalRps ?? s.baselineRps,
          steps: d.steps ?? 5,
        };
      case 'lose-dc':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          dc: d.dc,
          mode: d.mode ?? 'weight',
          totalRps: d.totalRps ?? s.baselineRps,
        };
      case 'hold':
        return { ...t, kind: d.kind, name: d.name, totalRps: d.totalRps ?? s.baselineRps, steps: d.steps ?? 1 };
    }
  });
  const mix = s.mix as ScenarioMix;
  return {
    name: s.name,
    description: s.description,
    file,
    clusterFile: path.resolve(dir, s.cluster),
    mix: {
      ...mix,
      endpoints: mix.endpoints.map((e) => (e.protocol === 'grpc' ? { ...e, proto: path.resolve(dir, e.proto) } : e)),
    },
    baselineRps: s.baselineRps,
    timeoutMs: ms(s.timeout, 2000),
    maxInFlight: s.maxInFlight ?? 2000,
    guards,
    guardWindowMs,
    guardDelayMs: ms(s.guardDelay, 2000),
    safety: {
      maxErrorRate: s.safety.maxErrorRate,
      maxTotalRps: s.safety.maxTotalRps,
      windowMs: ms(s.safety.window, 5000),
    },
    thresholds: (s.thresholds ?? {}) as Record<string, GuardThreshold[]>,
    forecastFile: s.forecast === undefined ? undefined : path.resolve(dir, s.forecast),
    drills,
  };
}

/** Requires a scenario script and validates its default export. */
export async function loadScenario(file: string): Promise<Scenario> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs))
    throw new ConfigError(abs, '', 'file not found', 'give the path of a scenario script, e.g. scenarios/smoke.ts');
  let mod: unknown;
  try {
    allowTypeScript(abs);
    delete require.cache[require.resolve(abs)];
    mod = require(abs);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      abs,
      '',
      `cannot load the script: ${text.split('\n').slice(0, 6).join('\n')}`,
      'the script must compile and run without side effects',
    );
  }
  const exported =
    mod && typeof mod === 'object' && 'default' in mod ? (mod as { default: unknown }).default : undefined;
  if (exported === undefined || exported === null || typeof exported !== 'object') {
    throw new ConfigError(
      abs,
      'default',
      `got ${describe(exported)}; expected a default export: export default defineScenario({...})`,
    );
  }
  const scenario = validateScenario(exported, abs);
  const problems: ConfigError[] = [];
  if (!fs.existsSync(scenario.clusterFile))
    problems.push(
      new ConfigError(
        abs,
        'cluster',
        `got ${describe((exported as { cluster?: unknown }).cluster)}; no such file (${scenario.clusterFile})`,
      ),
    );
  if (scenario.forecastFile && !fs.existsSync(scenario.forecastFile))
    problems.push(
      new ConfigError(
        abs,
        'forecast',
        `got ${describe((exported as { forecast?: unknown }).forecast)}; no such file (${scenario.forecastFile})`,
      ),
    );
  scenario.mix.endpoints.forEach((e, i) => {
    if (e.protocol === 'grpc' && !fs.existsSync(e.proto))
      problems.push(new ConfigError(abs, `mix.endpoints[${i}].proto`, `got ${describe(e.proto)}; no such file`));
  });
  problems.push(
    ...thresholdProblems(scenario.guards, abs, 'guards'),
    ...thresholdProblems(scenario.thresholds, abs, 'thresholds'),
  );
  if (problems.length) throw new ConfigErrors(problems);
  return scenario;
}

/** k6 threshold syntax problems of guards or thresholds, with fields named as in the scenario. */
function thresholdProblems(
  spec: Record<string, GuardThreshold[]>,
  file: string,
  field: 'guards' | 'thresholds',
): ConfigError[] {
  try {
    parseThresholds(spec as Parameters<typeof parseThresholds>[0], file);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    return err.problems.map((p) => new ConfigError(p.file, p.field.replace(/^thresholds/, field), p.problem, p.hint));
  }
}

/** Checks the names a scenario uses (server types, DCs, regions, pools) against its cluster; throws ConfigErrors. */
export function checkScenarioAgainstCluster(scenario: Scenario, cluster: ClusterSpec): void {
  const problems: ConfigError[] = [];
  const types = Object.keys(cluster.serverTypes);
  const dcs = cluster.dcs.map((d) => d.name);
  const pools = cluster.dcs.flatMap((d) => d.pools.filter((p) => p.replicas > 0).map((p) => p.id));
  const regions = cluster.regions.map((r) => r.name);
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  scenario.drills.forEach((d, i) => {
    const at = (f: string) => `drills[${i}].${f}`;
    if (d.kind === 'redline' || d.kind === 'sweep') {
      if (d.pool !== undefined && !pools.includes(d.pool))
        problems.push(
          new ConfigError(
            scenario.file,
            at('pool'),
            `got '${d.pool}'; expected a pool of ${path.basename(cluster.file)} with replicas: ${list(pools)}`,
          ),
        );
      if (d.serverTypes !== 'all')
        d.serverTypes.forEach((t, j) => {
          if (!types.includes(t))
            problems.push(
              new ConfigError(
                scenario.file,
                at(`serverTypes[${j}]`),
                `got '${t}'; expected a server type of ${path.basename(cluster.file)}: ${list(types)}`,
              ),
            );
        });
    }
    if (d.kind === 'drain') {
      const t = d.target;
      if ('dc' in t && !dcs.includes(t.dc))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.dc'),
            `got '${t.dc}'; expected a DC of ${path.basename(cluster.file)}: ${list(dcs)}`,
          ),
        );
      if ('region' in t && !regions.includes(t.region))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.region'),
            `got '${t.region}'; expected a region of ${path.basename(cluster.file)}: ${list(regions)}`,
          ),
        );
      if ('pool' in t && !pools.includes(t.pool))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.pool'),
            `got '${t.pool}'; expected a pool of ${path.basename(cluster.file)}: ${list(pools)}`,
          ),
        );
    }
    if (d.kind === 'lose-dc') {
      if (d.dc !== 'each' && !dcs.includes(d.dc))
        problems.push(
          new ConfigError(
            scenario.file,
            at('dc'),
            `got '${d.dc}'; expected 'each' or a DC of ${path.basename(cluster.file)}: ${list(dcs)}`,
          ),
        );
      if (dcs.length < 2)
        problems.push(
          new ConfigError(scenario.file, at('dc'), `the cluster has ${dcs.length} DC; losing one needs at least 2`),
        );
    }
    if (d.kind === 'redline' || d.kind === 'sweep') problems.push(...capProblems(scenario, cluster, d, at));
    if ((d.kind === 'drain' || d.kind === 'lose-dc' || d.kind === 'hold') && d.totalRps > scenario.safety.maxTotalRps) {
      problems.push(
        new ConfigError(
          scenario.file,
          at('totalRps'),
          `got ${d.totalRps}; expected at most safety.maxTotalRps (${scenario.safety.maxTotalRps})`,
        ),
      );
    }
  });
  problems.push(...resourceGuardProblems(scenario, cluster));
  problems.push(...scenarioTierProblems(scenario, cluster));
  if (scenario.baselineRps > scenario.safety.maxTotalRps)
    problems.push(
      new ConfigError(
        scenario.file,
        'baselineRps',
        `got ${scenario.baselineRps}; expected at most safety.maxTotalRps (${scenario.safety.maxTotalRps})`,
      ),
    );
  if (problems.length) throw new ConfigErrors(problems);
}

/** The pools a redline or sweep probes: its pool, else per server type the pool with the fewest replicas (as the drill picks). */
function probedPools(
  cluster: ClusterSpec,
  d: { serverTypes: 'all' | string[]; pool?: string },
): { id: string; replicas: number }[] {
  const all = cluster.dcs.flatMap((dc) => dc.pools).filter((p) => p.replicas > 0);
  if (d.pool) return all.filter((p) => p.id === d.pool);
  const types = d.serverTypes === 'all' ? Object.keys(cluster.serverTypes) : d.serverTypes;
  return types.flatMap((t) => {
    const candidates = all.filter((p) => p.serverType === t);
    return candidates.length ? [candidates.reduce((a, b) => (b.replicas < a.replicas ? b : a))] : [];
  });
}

/**
 * A probe rate × the pool's replicas above safety.maxTotalRps would be quietly capped, and the cap would read
 * as a redline (issue 11, finding 2): say so at load time instead, naming the drill and its fields.
 */
function capProblems(
  scenario: Scenario,
  cluster: ClusterSpec,
  d: Extract<ResolvedDrill, { kind: 'redline' | 'sweep' }>,
  at: (f: string) => string,
): ConfigError[] {
  const cap = scenario.safety.maxTotalRps;
  const rates: [string, number | undefined][] =
    d.kind === 'redline'
      ? [
          ['startRps', d.startRps],
          ['maxRps', d.maxRps],
        ]
      : [
          ['from', d.from],
          ['to', d.to],
        ];
  const problems: ConfigError[] = [];
  for (const pool of probedPools(cluster, d)) {
    for (const [field, rps] of rates) {
      if (rps === undefined || rps * pool.replicas <= cap) continue;
      problems.push(
        new ConfigError(
          scenario.file,
          at(field),
          `drill '${d.name}': got ${rps} req/s per replica × ${pool.replicas} replicas of ${pool.id} = ${rps * pool.replicas} req/s; ` +
            `expected at most safety.maxTotalRps (${cap}): lower ${field} or raise safety.maxTotalRps`,
        ),
      );
    }
  }
  return problems;
}
