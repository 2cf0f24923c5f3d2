// Where a static cluster's servers publish their own Prometheus metrics (`metrics:` at the top of the file,
// under a tier of `services:`, or on one endpoint; the nearest wins): a path on the server's HTTP port or
// a full URL template. Rules here; the static driver scrapes them (cluster/prometheus-scrape.ts).
import { isLoopback } from '../common';
import type { PathSegment, RuleProblem } from './rule-problem';
import { poolEntries, tierNamesOf } from './service-rules';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The templates a metrics URL may use: the replica's own address and names. */
export const metricsTemplates = ['host', 'port.http', 'port.grpc', 'replica', 'dc'];
const expected = `a path on the server's HTTP port like /metrics, or a URL like http://{{host}}:9100/metrics (templates: ${metricsTemplates.map((t) => `{{${t}}}`).join(', ')})`;

/** Every `metrics:` of a raw cluster file, with its path, nearest last (top, tier, endpoint). */
function metricsFields(raw: Record<string, unknown>): { path: PathSegment[]; value: unknown }[] {
  const out: { path: PathSegment[]; value: unknown }[] = [];
  if (raw.metrics !== undefined) out.push({ path: ['metrics'], value: raw.metrics });
  if (isObject(raw.services)) {
    for (const [tier, s] of Object.entries(raw.services))
      if (isObject(s) && s.metrics !== undefined) out.push({ path: ['services', tier, 'metrics'], value: s.metrics });
  }
  const tiers = tierNamesOf(raw);
  list(raw.regions).forEach((region, r) => {
    if (!isObject(region)) return;
    list(region.dcs).forEach((dc, d) => {
      if (!isObject(dc)) return;
      for (const { pool, path } of poolEntries(dc.pools, ['regions', r, 'dcs', d, 'pools'], tiers)) {
        list(pool).forEach((ep, i) => {
          if (isObject(ep) && ep.metrics !== undefined) out.push({ path: [...path, i, 'metrics'], value: ep.metrics });
        });
      }
    });
  });
  return out;
}

/** The rules of `metrics:`: the static driver only, a path or an http(s) URL, known templates, allowed hosts. */
export function checkMetricsSources(raw: unknown): RuleProblem[] {
  if (!isObject(raw)) return [];
  const problems: RuleProblem[] = [];
  const driver = raw.driver ?? 'docker';
  const allow = new Set(
    list(raw.allowTargets)
      .filter((h): h is string => typeof h === 'string')
      .map((h) => h.toLowerCase()),
  );
  for (const { path, value } of metricsFields(raw)) {
    if (typeof value !== 'string') continue; // the schema reports it
    if (driver !== 'static') {
      problems.push({
        path,
        value,
        problem: 'metrics: is read by driver: static only',
        expected: 'no metrics: with driver: docker (it samples CPU and memory from the containers)',
      });
      continue;
    }
    const unknown = [...value.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)]
      .map((m) => m[1])
      .filter((n) => !metricsTemplates.includes(n));
    if (unknown.length) {
      problems.push({
        path,
        value,
        problem: `unknown template ${unknown.map((n) => `{{${n}}}`).join(', ')}`,
        expected,
      });
      continue;
    }
    if (value.startsWith('/')) continue;
    // The templates stand for a host name or a port number; what is left must be an http(s) URL.
    const probe = value
      .replace(/\{\{\s*host\s*\}\}/g, 'replica-host')
      .replace(/\{\{\s*port\.(http|grpc)\s*\}\}/g, '1')
      .replace(/\{\{[^{}]*\}\}/g, 'x');
    let url: URL | undefined;
    try {
      url = new URL(probe);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push({ path, value, expected });
      continue;
    }
    // {{host}} is the endpoint's own host, checked with it; any other host is checked here.
    if (url.hostname !== 'replica-host' && !isLoopback(url.hostname) && !allow.has(url.hostname.toLowerCase())) {
      problems.push({
        path,
        value,
        problem: `host '${url.hostname}' is not loopback and not under allowTargets`,
        expected: 'a loopback host (127.0.0.0/8, ::1, localhost), {{host}} or a host listed under allowTargets',
      });
    }
  }
  return problems;
}

/** The metrics source of one endpoint of a valid file: its own, else its tier's, else the file's. */
export function metricsSourceOf(
  file: { metrics?: string; services?: Record<string, { metrics?: string }> },
  tier: string,
  endpoint: { metrics?: string },
): string | undefined {
  return endpoint.metrics ?? file.services?.[tier]?.metrics ?? file.metrics;
}
