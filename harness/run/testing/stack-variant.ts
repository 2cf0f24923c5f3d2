// A variant of clusters/insta-stack.yaml in a folder of its own, for the stack's test and `make
// insta-bottleneck`: another name and port range, some DCs only, knobs and server types changed, the
// edge left out; build folders made absolute so the variant builds the same images (same tags).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

export const stackFile = path.resolve(__dirname, '..', '..', '..', 'clusters', 'insta-stack.yaml');

export interface StackVariant {
  name: string;
  /** The replicas' port range, `FROM-TO`. */
  ports: string;
  /** DC name -> its pools per tier; the DCs not named are left out (with their regions). Default: all as shipped. */
  pools?: Record<string, Record<string, Record<string, number>>>;
  /** Tier -> environment values laid over the shipped ones (FEED_CACHE_HIT, SEED_USERS, ...). */
  env?: Record<string, Record<string, string>>;
  /** Server types laid over the shipped ones. */
  serverTypes?: Record<string, { cpus: number; memoryMb: number; workers?: number; costPerHour?: number }>;
  /** Keep the HAProxy edge (its ports from the shipped file); default: the generator picks replicas itself. */
  edge?: boolean;
}

type Raw = {
  name: string;
  ports: string;
  services: Record<string, { build?: string; env?: Record<string, string> }>;
  serverTypes: Record<string, unknown>;
  regions: { name: string; dcs: { name: string; demand: number; pools: unknown }[] }[];
  failover?: unknown;
  edge?: unknown;
};

/** Writes `<dir>/cluster.yaml` and returns its path. */
export function writeStackVariant(dir: string, v: StackVariant): string {
  const raw = YAML.parse(fs.readFileSync(stackFile, 'utf8')) as Raw;
  raw.name = v.name;
  raw.ports = v.ports;
  for (const [tier, s] of Object.entries(raw.services)) {
    if (s.build) s.build = path.resolve(path.dirname(stackFile), s.build);
    if (v.env?.[tier]) s.env = { ...s.env, ...v.env[tier] };
  }
  raw.serverTypes = { ...raw.serverTypes, ...v.serverTypes };
  if (v.pools) {
    const pools = v.pools;
    raw.regions = raw.regions
      .map((r) => ({ ...r, dcs: r.dcs.filter((d) => pools[d.name]).map((d) => ({ ...d, pools: pools[d.name] })) }))
      .filter((r) => r.dcs.length > 0);
    delete raw.failover;
  }
  if (!v.edge) delete raw.edge;
  const file = path.join(dir, 'cluster.yaml');
  fs.writeFileSync(file, YAML.stringify(raw));
  return file;
}
