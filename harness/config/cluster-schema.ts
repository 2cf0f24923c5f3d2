// The shape of a cluster file (YAML), checked by zod. Cross-field rules (server types that
// exist, port ranges, hosts, unique names, tiers and templates) live in cluster-rules.ts and the
// rule files it calls (host-, port-, failover- and service-rules.ts) so every problem is reported.
import { z } from 'zod';

/** Docker container names and labels accept these; we keep them for every name in the file. */
export const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const portRangePattern = /^(\d+)-(\d+)$/;
export const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Debian package name (Debian policy 5.6.1), optionally with an architecture (`libc6:amd64`). */
export const debianPackagePattern = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/;

const name = z.string().regex(namePattern);
const portRange = z.string().regex(portRangePattern);

export const serverTypeSchema = z.strictObject({
  cpus: z.number().positive(),
  memoryMb: z.number().int().min(32),
  workers: z.number().int().min(1).default(1),
  costPerHour: z.number().min(0).default(0),
});

/** Where a static server's Prometheus metrics are: a path on its HTTP port or a URL template (metrics-rules.ts). */
const metricsSource = z.string().min(1);

/** One server of a static pool: its HTTP URL, and its gRPC address when it serves gRPC (endpoint-rules.ts says when it must). */
export const endpointSchema = z.strictObject({
  http: z.string().url(),
  grpc: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s/]+):\d+$/)
    .optional(),
  metrics: metricsSource.optional(),
});

/** docker driver: a replica count; static driver: the endpoints of the pool's servers. */
export const poolSchema = z.union([z.number().int().min(0), z.array(endpointSchema).min(1)]);
/** A DC's pools: `{ small: 2 }` for the only tier, or per tier `{ web: { small: 2 }, backend: { small: 1 } }`. */
export const dcPoolsSchema = z.record(z.string(), z.union([poolSchema, z.record(z.string(), poolSchema)]));

export const dcSchema = z.strictObject({
  name,
  demand: z.number().positive(),
  ports: portRange.optional(),
  /** Where the DC's replicas listen and are reached (docker driver); default: the cluster's host. */
  address: z.string().min(1).optional(),
  dockerHost: z
    .string()
    .regex(/^(unix|tcp|ssh):\/\//)
    .optional(),
  /** A folder with ca.pem, cert.pem and key.pem for a tcp:// dockerHost with TLS (relative to the file). */
  dockerCertPath: z.string().min(1).optional(),
  pools: dcPoolsSchema,
});

export const regionSchema = z.strictObject({
  name,
  dcs: z.array(dcSchema).min(1),
});

const envSchema = z
  .record(z.string().regex(envNamePattern), z.union([z.string(), z.number(), z.boolean()]))
  .default({});
/** k6 durations ('500ms', '30s', '1m') or seconds as a number; checked by the rules. */
const duration = z.union([z.string().min(1), z.number().min(0)]);

export const healthSchema = z.union([z.enum(['grpc', 'tcp']), z.strictObject({ http: z.string().regex(/^\//) })]);

/** One tier: one source (image, build, packages, reference; build may sit on packages), how to run it, what it serves. */
export const serviceSchema = z.strictObject({
  image: z.string().min(1).optional(),
  build: z.string().min(1).optional(),
  packages: z.array(z.string().regex(debianPackagePattern)).min(1).optional(),
  reference: z.strictObject({ env: envSchema }).optional(),
  front: z.boolean().optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  env: envSchema,
  ports: z
    .array(z.enum(['http', 'grpc', 'tcp']))
    .min(1)
    .optional(),
  health: healthSchema.optional(),
  startTimeout: duration.optional(),
  dependsOn: z.array(z.string()).default([]),
  stopSignal: z
    .string()
    .regex(/^SIG[A-Z0-9+-]+$/)
    .optional(),
  stopGracePeriod: duration.optional(),
  metrics: metricsSource.optional(),
});

/** Managed: `{ port, runtime: <tcp port>, per? }`; existing: `{ runtime: 'tcp://h:p' | unix socket, servers }` (edge-rules.ts). */
export const edgeSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).optional(),
  runtime: z.union([z.number().int().min(1).max(65535), z.string().min(1)]),
  per: z.enum(['region', 'cluster']).optional(),
  maxShareChange: z.number().gt(0).max(1).optional(),
  watchdogSeconds: z.number().positive().optional(),
  claimSeconds: z.number().positive().optional(),
  servers: z
    .array(
      z.strictObject({
        backend: z.string().min(1),
        server: z.string().min(1),
        dc: z.string().min(1),
        serverType: z.string().min(1),
      }),
    )
    .min(1)
    .optional(),
});

export const clusterFileSchema = z.strictObject({
  name,
  driver: z.enum(['docker', 'static']).default('docker'),
  ports: portRange.optional(),
  host: z.string().min(1).default('127.0.0.1'),
  allowTargets: z.array(z.string().min(1)).default([]),
  metrics: metricsSource.optional(),
  /** The one-tier short form: the reference service with these knobs (a tier named `web`). */
  service: z.strictObject({ env: envSchema }).optional(),
  services: z.record(name, serviceSchema).optional(),
  serverTypes: z.record(name, serverTypeSchema),
  regions: z.array(regionSchema).min(1),
  failover: z.record(z.string(), z.record(z.string(), z.number().positive().max(1))).optional(),
  edge: edgeSchema.optional(),
});

export type ClusterFile = z.output<typeof clusterFileSchema>;
export type ServiceFile = z.output<typeof serviceSchema>;
export type EndpointFile = z.output<typeof endpointSchema>;
