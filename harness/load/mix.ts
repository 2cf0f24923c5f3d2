// The request mix: named HTTP and gRPC endpoints with weights, compiled once into senders so the
// per-request path only renders templates and dispatches.
import * as path from 'node:path';
import { ConfigError, ConfigErrors, parseDuration, seededRandom, type Duration } from '../common';
import { type GrpcTransport, resolveService } from './grpc';
import type { Done, HttpSender } from './http';
import {
  type ParamSpec,
  type Template,
  compileMessage,
  compileTemplate,
  paramProblems,
  paramSource,
  render,
} from './params';

/** One endpoint of the mix, as a scenario script writes it. */
export type EndpointSpec =
  | {
      name: string;
      weight: number;
      protocol: 'http';
      method?: string;
      /** Template: '/feed?user={{user}}'. */
      path: string;
      body?: string;
      headers?: Record<string, string>;
      timeout?: Duration;
      /** The tier it loads (default: the cluster's front tier). */
      tier?: string;
    }
  | {
      name: string;
      weight: number;
      protocol: 'grpc';
      /** Path of the .proto, relative to the scenario file. */
      proto: string;
      /** 'headroom.feed.v1.Feed' */
      service: string;
      method: string;
      message: Record<string, unknown>;
      timeout?: Duration;
      tier?: string;
    };

export interface MixSpec {
  endpoints: EndpointSpec[];
  params?: Record<string, ParamSpec>;
}

export interface CompiledEndpoint {
  name: string;
  protocol: 'http' | 'grpc';
  weight: number;
  timeoutMs: number;
  send(replica: number, done: Done): void;
}

export interface MixContext {
  /** File named in errors ('scenario.ts', 'argv'). */
  file?: string;
  /** Directory that relative .proto paths start from (default: the working directory). */
  baseDir?: string;
  defaultTimeoutMs: number;
  seed?: number;
  http: HttpSender;
  grpc: GrpcTransport;
}

/** Where one endpoint is compiled: its field for errors, the parameter sources its templates draw from. */
interface EndpointSite {
  file: string;
  field: string;
  sources: Record<string, () => number>;
  problems: ConfigError[];
}

/** An HTTP endpoint: its method, path and body templates; a constant request is built once and reused. */
function compileHttp(
  e: Extract<EndpointSpec, { protocol: 'http' }>,
  timeoutMs: number,
  site: EndpointSite,
  ctx: MixContext,
): CompiledEndpoint | undefined {
  const { file, field, sources, problems } = site;
  if (typeof e.path !== 'string' || !e.path.startsWith('/')) {
    problems.push(
      new ConfigError(file, `${field}.path`, `expected a path starting with '/', got ${JSON.stringify(e.path)}`),
    );
    return undefined;
  }
  const method = (e.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    problems.push(new ConfigError(file, `${field}.method`, `expected an HTTP method, got ${JSON.stringify(e.method)}`));
  const pathT = compileTemplate(e.path, sources, file, `${field}.path`, problems);
  const bodyT: Template | undefined =
    e.body !== undefined ? compileTemplate(e.body, sources, file, `${field}.body`, problems) : undefined;
  const headers = e.headers && Object.keys(e.headers).length > 0 ? { ...e.headers } : undefined;
  const http = ctx.http;
  if ('constant' in pathT && (!bodyT || 'constant' in bodyT)) {
    // The common case: one request object reused for every send.
    const req = {
      method,
      path: pathT.constant,
      headers,
      body: bodyT && 'constant' in bodyT ? bodyT.constant : undefined,
      timeoutMs,
    };
    return {
      name: e.name,
      protocol: 'http',
      weight: e.weight,
      timeoutMs,
      send: (r, done) => http.send(r, req, done, true),
    };
  }
  return {
    name: e.name,
    protocol: 'http',
    weight: e.weight,
    timeoutMs,
    send: (r, done) =>
      http.send(r, { method, path: render(pathT), headers, body: bodyT ? render(bodyT) : undefined, timeoutMs }, done),
  };
}

/** A gRPC endpoint: its service from the .proto, and its message template. */
function compileGrpc(
  e: Extract<EndpointSpec, { protocol: 'grpc' }>,
  timeoutMs: number,
  site: EndpointSite,
  ctx: MixContext,
): CompiledEndpoint | undefined {
  const { file, field, sources, problems } = site;
  if (typeof e.proto !== 'string' || typeof e.service !== 'string' || typeof e.method !== 'string') {
    problems.push(new ConfigError(file, field, 'a gRPC endpoint needs proto, service and method'));
    return undefined;
  }
  const protoFile = path.resolve(ctx.baseDir ?? process.cwd(), e.proto);
  const ctor = resolveService(protoFile, e.service, e.method, file, field, problems);
  const message = compileMessage(e.message ?? {}, sources, file, `${field}.message`, problems);
  if (!ctor) return undefined;
  const grpc = ctx.grpc;
  const key = `${protoFile}#${e.service}`;
  return {
    name: e.name,
    protocol: 'grpc',
    weight: e.weight,
    timeoutMs,
    send: (r, done) => grpc.send(r, ctor, key, e.method, message(), timeoutMs, done),
  };
}

/** One endpoint: its name (unique), weight and timeout, then its protocol's own fields. */
function compileEndpoint(
  e: EndpointSpec,
  site: EndpointSite,
  names: Set<string>,
  ctx: MixContext,
): CompiledEndpoint | undefined {
  const { file, field, problems } = site;
  if (typeof e.name !== 'string' || e.name === '')
    problems.push(new ConfigError(file, `${field}.name`, 'expected a name'));
  else if (names.has(e.name))
    problems.push(new ConfigError(file, `${field}.name`, `duplicate endpoint name '${e.name}'`));
  names.add(e.name);
  if (!(typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight >= 0))
    problems.push(new ConfigError(file, `${field}.weight`, `expected a weight >= 0, got ${JSON.stringify(e.weight)}`));
  let timeoutMs = ctx.defaultTimeoutMs;
  if (e.timeout !== undefined) {
    const t = parseDuration(e.timeout);
    if (t === undefined || t <= 0)
      problems.push(
        new ConfigError(file, `${field}.timeout`, `expected a duration like '2s', got ${JSON.stringify(e.timeout)}`),
      );
    else timeoutMs = t;
  }
  if (e.protocol === 'http') return compileHttp(e, timeoutMs, site, ctx);
  if (e.protocol === 'grpc') return compileGrpc(e, timeoutMs, site, ctx);
  problems.push(
    new ConfigError(
      file,
      `${field}.protocol`,
      `expected 'http' or 'grpc', got ${JSON.stringify((e as { protocol?: unknown }).protocol)}`,
    ),
  );
  return undefined;
}

/** Compiles the mix; every problem is collected and thrown together as ConfigErrors (exit 104). */
export function compileMix(mix: MixSpec, ctx: MixContext): CompiledEndpoint[] {
  const file = ctx.file ?? 'mix';
  const problems: ConfigError[] = [];
  const rand = seededRandom(ctx.seed ?? 1);
  const sources: Record<string, () => number> = {};
  for (const [name, spec] of Object.entries(mix.params ?? {})) {
    const p = paramProblems(name, spec, file);
    problems.push(...p);
    if (p.length === 0) sources[name] = paramSource(spec, rand);
  }
  if (!Array.isArray(mix.endpoints) || mix.endpoints.length === 0) {
    problems.push(new ConfigError(file, 'mix.endpoints', 'expected at least one endpoint'));
    throw new ConfigErrors(problems);
  }
  const names = new Set<string>();
  const out: CompiledEndpoint[] = [];
  mix.endpoints.forEach((e, i) => {
    const compiled = compileEndpoint(e, { file, field: `mix.endpoints[${i}]`, sources, problems }, names, ctx);
    if (compiled) out.push(compiled);
  });
  if (problems.length === 0 && out.every((e) => e.weight === 0))
    problems.push(new ConfigError(file, 'mix.endpoints', 'every endpoint has weight 0'));
  if (problems.length > 0) throw new ConfigErrors(problems);
  return out;
}

/** Picks endpoints in exact proportion to their weights (smooth weighted round robin). */
export class EndpointPicker {
  private readonly current: Float64Array;
  private readonly total: number;
  constructor(private readonly weights: number[]) {
    this.current = new Float64Array(weights.length);
    this.total = weights.reduce((a, b) => a + b, 0);
  }
  next(): number {
    const w = this.weights;
    if (w.length === 1) return 0;
    let best = 0;
    let bestV = -Infinity;
    for (let i = 0; i < w.length; i++) {
      const v = (this.current[i] += w[i]);
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    this.current[best] -= this.total;
    return best;
  }
}
