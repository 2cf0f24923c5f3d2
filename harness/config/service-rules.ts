// Rules of a cluster file's tiers (`services:`) that a schema cannot say: one source each, a
// Dockerfile in a build context (built on the packages image when both are given), one front, dependsOn without cycles, templates that name known
// tiers and served ports, pools per tier. Like cluster-rules.ts they read the raw YAML defensively.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ServedPort } from '../cluster';
import { parseDuration } from '../common';
import type { PathSegment, RuleProblem } from './rule-problem';

/** The tier of the one-tier short form (`service: { env }`, `pools: { small: 2 }`). */
export const shortFormTier = 'web';
export const sources = ['image', 'build', 'packages', 'reference'] as const;
const templatePattern = /\{\{\s*([^{}]*?)\s*\}\}/g;
const templateNames =
  'port.http, port.grpc, port.tcp, host, replica, dc, tier.<name>.http, tier.<name>.grpc, tier.<name>.tcp';
const portNames: readonly string[] = ['http', 'grpc', 'tcp'];
/** A Dockerfile line that builds on the packages image: `FROM $BASE` or `FROM ${BASE}`. */
const fromBase = /^\s*FROM\s+\$\{?BASE\}?(\s|$)/im;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One pool of a DC: a replica count (docker) or endpoint list (static) of a server type of a tier. */
export interface PoolEntry {
  tier: string;
  type: string;
  pool: unknown;
  path: PathSegment[];
}

/** The tiers a file defines: the keys of `services`, else the short form's one tier. */
export function tierNamesOf(raw: Record<string, unknown>): string[] {
  return isObject(raw.services) ? Object.keys(raw.services) : [shortFormTier];
}

/**
 * A DC's pools as (tier, type) entries. A mapping under a key is a tier's pools; a count or a list
 * belongs to the only tier (with several tiers it is reported, and taken as the first tier's).
 */
export function poolEntries(pools: unknown, poolsPath: PathSegment[], tiers: string[]): PoolEntry[] {
  if (!isObject(pools)) return [];
  const out: PoolEntry[] = [];
  for (const [key, value] of Object.entries(pools)) {
    if (isObject(value)) {
      for (const [type, pool] of Object.entries(value))
        out.push({ tier: key, type, pool, path: [...poolsPath, key, type] });
    } else out.push({ tier: tiers[0] ?? shortFormTier, type: key, pool: value, path: [...poolsPath, key] });
  }
  return out;
}

/** Problems of the pools' tier level: unknown tiers, short-form counts in a file with several tiers. */
export function checkPoolTiers(pools: unknown, poolsPath: PathSegment[], tiers: string[]): RuleProblem[] {
  if (!isObject(pools)) return [];
  const problems: RuleProblem[] = [];
  for (const [key, value] of Object.entries(pools)) {
    if (isObject(value) && !tiers.includes(key)) {
      problems.push({
        path: [...poolsPath, key],
        value: key,
        problem: `unknown tier '${key}'`,
        expected: `a tier defined under services (${tiers.join(', ')})`,
      });
    }
    if (!isObject(value) && tiers.length > 1) {
      problems.push({
        path: [...poolsPath, key],
        value,
        expected: `pools per tier, like { ${tiers[0]}: { ${key}: 2 } } (this file has the tiers ${tiers.join(', ')})`,
      });
    }
  }
  return problems;
}

/** What a service serves when `ports` is not given: the reference service both, an image HTTP. */
export function servedPorts(service: Record<string, unknown>): ServedPort[] {
  if (Array.isArray(service.ports)) return service.ports.filter((p): p is ServedPort => portNames.includes(p));
  return service.reference !== undefined ? ['http', 'grpc'] : ['http'];
}

/** The one source of a service, or the problem with what it gives: `packages` stands alone or under a `build`. */
function sourceProblem(s: Record<string, unknown>): { value: unknown; problem: string } | undefined {
  const given = sources.filter((k) => s[k] !== undefined);
  const layered = given.length === 2 && given.includes('build') && given.includes('packages');
  if (given.length === 1 || layered) return undefined;
  return {
    value: given.length ? given.join(', ') : undefined,
    problem: given.length ? `${given.length} sources given (${given.join(', ')})` : 'no source given',
  };
}

/** The template names in a text: `{{port.http}}` gives `port.http`. */
export function templatesIn(text: string): string[] {
  return [...text.matchAll(templatePattern)].map((m) => m[1]);
}

/** The tiers in start order (dependencies first); undefined when `dependsOn` has a cycle. */
export function startOrder(deps: Map<string, string[]>): string[] | undefined {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string): boolean => {
    if (state.get(t) === 'done') return true;
    if (state.get(t) === 'visiting') return false;
    state.set(t, 'visiting');
    for (const d of deps.get(t) ?? []) if (deps.has(d) && !visit(d)) return false;
    state.set(t, 'done');
    order.push(t);
    return true;
  };
  for (const t of deps.keys()) if (!visit(t)) return undefined;
  return order;
}

/** A cycle through `from` (`a -> b -> a`), if any. */
function cycleFrom(from: string, deps: Map<string, string[]>): string[] | undefined {
  const walk = (t: string, trail: string[]): string[] | undefined => {
    for (const d of deps.get(t) ?? []) {
      if (d === from) return [...trail, d];
      if (!trail.includes(d) && deps.has(d)) {
        const found = walk(d, [...trail, d]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(from, [from]);
}

/** What the checks of one tier need from the others: every tier's name and the ports each serves. */
interface TierContext {
  tiers: string[];
  served: Map<string, ServedPort[]>;
  docker: boolean;
  baseDir: string;
}

/** A docker tier has exactly one source; a build context is a folder holding a Dockerfile. */
function sourceProblems(s: Record<string, unknown>, at: (...rest: PathSegment[]) => PathSegment[], c: TierContext) {
  const problems: RuleProblem[] = [];
  const wrongSource = sourceProblem(s);
  if (c.docker && wrongSource) {
    problems.push({
      path: at(),
      ...wrongSource,
      expected:
        'exactly one of image: <reference>, build: <folder with a Dockerfile>, packages: [<Debian package>, ...], reference: { env } (or build: on top of packages:)',
    });
  }
  if (typeof s.build === 'string') {
    const dir = path.resolve(c.baseDir, s.build);
    const isDir = existsSync(dir) && statSync(dir).isDirectory();
    if (!isDir)
      problems.push({
        path: at('build'),
        value: s.build,
        problem: `no folder ${dir}`,
        expected: 'a Docker build context: a folder (relative to the cluster file) holding a Dockerfile',
      });
    else if (!existsSync(path.join(dir, 'Dockerfile')))
      problems.push({
        path: at('build'),
        value: s.build,
        problem: `no Dockerfile in ${dir}`,
        expected: 'a Docker build context: a folder (relative to the cluster file) holding a Dockerfile',
      });
    else if (s.packages !== undefined && !fromBase.test(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')))
      problems.push({
        path: at('build'),
        value: s.build,
        problem: `the Dockerfile in ${dir} does not build on the packages image`,
        expected: 'ARG BASE and FROM $BASE in it: the image of packages: is passed as the build argument BASE',
      });
  }
  return problems;
}

/** Durations that parse, and a health check on a port the tier serves. */
function timingAndHealthProblems(
  s: Record<string, unknown>,
  at: (...rest: PathSegment[]) => PathSegment[],
  mine: ServedPort[],
) {
  const problems: RuleProblem[] = [];
  for (const key of ['startTimeout', 'stopGracePeriod'] as const) {
    const v = s[key];
    if ((typeof v === 'string' || typeof v === 'number') && parseDuration(v) === undefined)
      problems.push({ path: at(key), value: v, expected: "a duration like '500ms', '30s' or '2m'" });
  }
  if (mine.includes('http') && mine.includes('tcp'))
    problems.push({
      path: at('ports'),
      value: s.ports,
      problem: 'http and tcp are both given, and both are served on the first port of a replica',
      expected: 'one of http (an HTTP server) or tcp (any other TCP server), with grpc or not',
    });
  if (s.front === true && !mine.includes('http') && !mine.includes('grpc'))
    problems.push({
      path: at('ports'),
      value: s.ports,
      problem: 'the front tier serves neither http nor grpc',
      expected: "http or grpc among the front tier's ports: the scenario's traffic enters there",
    });
  if (isObject(s.health) && typeof s.health.http === 'string' && !mine.includes('http')) {
    problems.push({
      path: at('health'),
      value: s.health,
      expected: `a health check on a port the tier serves (ports: ${mine.join(', ')}); add http to ports`,
    });
  }
  if (s.health === 'grpc' && !mine.includes('grpc'))
    problems.push({
      path: at('health'),
      value: s.health,
      expected: `a health check on a port the tier serves (ports: ${mine.join(', ')}); add grpc to ports`,
    });
  return problems;
}

/** dependsOn names other tiers that exist. */
function dependsOnProblems(
  tier: string,
  dependsOn: string[],
  at: (...rest: PathSegment[]) => PathSegment[],
  tiers: string[],
) {
  const problems: RuleProblem[] = [];
  dependsOn.forEach((d, i) => {
    if (d === tier)
      problems.push({
        path: at('dependsOn', i),
        value: d,
        problem: `'${tier}' depends on itself`,
        expected: 'another tier',
      });
    else if (!tiers.includes(d))
      problems.push({
        path: at('dependsOn', i),
        value: d,
        problem: `unknown tier '${d}'`,
        expected: `a tier defined under services (${tiers.join(', ')})`,
      });
  });
  return problems;
}

/** Templates in command, entrypoint and env name ports and tiers that exist. */
function templateProblems(
  tier: string,
  s: Record<string, unknown>,
  at: (...rest: PathSegment[]) => PathSegment[],
  c: TierContext,
) {
  const problems: RuleProblem[] = [];
  const texts: { path: PathSegment[]; text: string }[] = [];
  for (const key of ['command', 'entrypoint'] as const) {
    if (Array.isArray(s[key]))
      (s[key] as unknown[]).forEach((v, i) => typeof v === 'string' && texts.push({ path: at(key, i), text: v }));
  }
  const envs: [PathSegment[], unknown][] = [
    [at('env'), s.env],
    [at('reference', 'env'), isObject(s.reference) ? s.reference.env : undefined],
  ];
  for (const [envPath, env] of envs) {
    if (isObject(env))
      for (const [k, v] of Object.entries(env))
        if (typeof v === 'string') texts.push({ path: [...envPath, k], text: v });
  }
  const mine = c.served.get(tier) ?? [];
  for (const { path: p, text } of texts) {
    for (const name of templatesIn(text)) {
      const problem = templateProblem(name, tier, mine, c.tiers, c.served);
      if (problem) problems.push({ path: p, value: text, problem, expected: `a template among ${templateNames}` });
    }
  }
  return problems;
}

/** One front among several tiers, and a start order without cycles (one cycle named once is enough). */
function orderProblems(tiers: string[], fronts: string[], deps: Map<string, string[]>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (tiers.length > 1 && fronts.length === 0) {
    problems.push({
      path: ['services'],
      value: tiers.join(', '),
      problem: `${tiers.length} tiers and none is the front`,
      expected: "front: true on the tier the scenario's traffic enters",
    });
  }
  if (fronts.length > 1) {
    problems.push({
      path: ['services'],
      value: fronts.join(', '),
      problem: `${fronts.length} tiers are marked front (${fronts.join(', ')})`,
      expected: 'front: true on exactly one tier',
    });
  }
  if (!startOrder(deps)) {
    const tier = tiers.find((t) => cycleFrom(t, deps));
    if (tier)
      problems.push({
        path: ['services', tier, 'dependsOn'],
        value: deps.get(tier),
        problem: `a dependency cycle: ${cycleFrom(tier, deps)!.join(' -> ')}`,
        expected: 'dependsOn without cycles (it is the start order)',
      });
  }
  return problems;
}

/** Every rule of `services:`; `baseDir` is the cluster file's folder (build contexts are relative to it). */
export function checkServices(raw: Record<string, unknown>, baseDir: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (raw.service !== undefined && raw.services !== undefined) {
    problems.push({
      path: ['service'],
      value: raw.service,
      problem: 'both service and services are given',
      expected: 'either the one-tier service: { env } or services: (move its env under services.<tier>.reference.env)',
    });
  }
  if (!isObject(raw.services)) return problems;
  const services = raw.services;
  const tiers = Object.keys(services);
  const served = new Map<string, ServedPort[]>();
  for (const [t, s] of Object.entries(services)) served.set(t, isObject(s) ? servedPorts(s) : []);
  const c: TierContext = { tiers, served, docker: raw.driver === undefined || raw.driver === 'docker', baseDir };
  const deps = new Map<string, string[]>();
  const fronts = tiers.filter((t) => isObject(services[t]) && services[t].front === true);

  for (const [tier, s] of Object.entries(services)) {
    if (!isObject(s)) continue;
    const at = (...rest: PathSegment[]): PathSegment[] => ['services', tier, ...rest];
    const dependsOn = Array.isArray(s.dependsOn) ? s.dependsOn.filter((d): d is string => typeof d === 'string') : [];
    deps.set(tier, dependsOn);
    problems.push(
      ...sourceProblems(s, at, c),
      ...timingAndHealthProblems(s, at, served.get(tier) ?? []),
      ...dependsOnProblems(tier, dependsOn, at, tiers),
      ...templateProblems(tier, s, at, c),
    );
  }
  problems.push(...orderProblems(tiers, fronts, deps));
  return problems;
}

function templateProblem(
  name: string,
  tier: string,
  mine: string[],
  tiers: string[],
  served: Map<string, string[]>,
): string | undefined {
  if (['host', 'replica', 'dc'].includes(name)) return undefined;
  const port = /^port\.(.*)$/.exec(name);
  if (port) {
    if (!portNames.includes(port[1])) return `unknown port '${port[1]}' in {{${name}}}`;
    return mine.includes(port[1])
      ? undefined
      : `{{${name}}}: tier '${tier}' does not serve ${port[1]} (ports: ${mine.join(', ')})`;
  }
  const other = /^tier\.([^.]*)\.(.*)$/.exec(name);
  if (other) {
    if (!tiers.includes(other[1])) return `unknown tier '${other[1]}' in {{${name}}} (tiers: ${tiers.join(', ')})`;
    if (!portNames.includes(other[2])) return `unknown port '${other[2]}' in {{${name}}}`;
    const theirs = served.get(other[1]) ?? [];
    return theirs.includes(other[2])
      ? undefined
      : `{{${name}}}: tier '${other[1]}' does not serve ${other[2]} (ports: ${theirs.join(', ')})`;
  }
  return `unknown template {{${name}}}`;
}
