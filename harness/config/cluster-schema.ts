// The shape of a cluster file (YAML), checked by zod. Cross-field rules (server types that
// exist, port ranges, hosts, unique names) live in cluster-rules.ts so every problem is reported.
import { z } from 'zod';

/** Docker container names and labels accept these; we keep them for every name in the file. */
export const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const portRangePattern = /^(\d+)-(\d+)$/;
export const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = z.string().regex(namePattern);
const portRange = z.string().regex(portRangePattern);

export const serverTypeSchema = z.strictObject({
  cpus: z.number().positive(),
  memoryMb: z.number().int().min(32),
  workers: z.number().int().min(1).default(1),
  costPerHour: z.number().min(0).default(0),
});

export const endpointSchema = z.strictObject({
  http: z.string().url(),
  grpc: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s/]+):\d+$/),
});

/** docker driver: a replica count; static driver: the endpoints of the pool's servers. */
export const poolSchema = z.union([z.number().int().min(0), z.array(endpointSchema).min(1)]);

export const dcSchema = z.strictObject({
  name,
  demand: z.number().positive(),
  ports: portRange.optional(),
  dockerHost: z.string().regex(/^(unix|tcp|ssh):\/\//).optional(),
  pools: z.record(z.string(), poolSchema),
});

export const regionSchema = z.strictObject({
  name,
  dcs: z.array(dcSchema).min(1),
});

export const clusterFileSchema = z.strictObject({
  name,
  driver: z.enum(['docker', 'static']).default('docker'),
  ports: portRange.optional(),
  host: z.string().min(1).default('127.0.0.1'),
  allowTargets: z.array(z.string().min(1)).default([]),
  service: z
    .strictObject({
      env: z.record(z.string().regex(envNamePattern), z.union([z.string(), z.number(), z.boolean()])).default({}),
    })
    .default({ env: {} }),
  serverTypes: z.record(name, serverTypeSchema),
  regions: z.array(regionSchema).min(1),
  failover: z.record(z.string(), z.record(z.string(), z.number().positive().max(1))).optional(),
});

export type ClusterFile = z.output<typeof clusterFileSchema>;
export type EndpointFile = z.output<typeof endpointSchema>;
