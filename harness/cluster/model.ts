// The cluster model: what a cluster file describes, after validation, and what a driver returns
// once replicas run. Plain data, shared by the driver, the router, the drill and the planner.

export interface ServerType {
  name: string;
  /** CPU quota in cores (0.25 = a quarter of one core). */
  cpus: number;
  memoryMb: number;
  /** Worker processes of the reference service inside one replica. */
  workers: number;
  costPerHour: number;
}

/**
 * Where a tier's image comes from. `build.context` is an absolute folder holding a Dockerfile; with `packages`
 * its Dockerfile builds on the image of those Debian packages (build argument `BASE`). `packages` alone: that image.
 */
export type TierSource =
  | { kind: 'image'; image: string }
  | { kind: 'build'; context: string; packages?: string[] }
  | { kind: 'packages'; packages: string[] }
  | { kind: 'reference' };

/** What a tier serves: HTTP or plain TCP (memcached, PostgreSQL) on a replica's first port, gRPC on its second. */
export type ServedPort = 'http' | 'grpc' | 'tcp';

export type TierHealth = { kind: 'http'; path: string } | { kind: 'grpc' } | { kind: 'tcp' } | { kind: 'reference' };

/** One kind of server in every DC's stack (web, cache, backend): its image and how to run it. */
export interface TierSpec {
  name: string;
  source: TierSource;
  /** Docker's Cmd and Entrypoint, with templates ({{port.http}}, {{tier.backend.http}}, ...) not yet filled in. */
  command?: string[];
  entrypoint?: string[];
  /** Environment of every replica, templates not yet filled in (the reference service's knobs live here too). */
  env: Record<string, string>;
  /** The ports it serves; every replica is given two, a tier that serves only HTTP (or TCP) leaves the gRPC one idle. */
  serves: ServedPort[];
  /** `reference`: HTTP GET /healthz then gRPC health (the reference service's own checks). */
  health: TierHealth;
  /** How long each replica may take to pass its health check; absent: the driver's default (30 s). */
  startTimeoutMs?: number;
  /** Tiers whose replicas are healthy before this tier's start (same DC and every other). */
  dependsOn: string[];
  stopSignal?: string;
  stopGraceMs?: number;
}

export interface PoolSpec {
  /** `<dc>/<serverType>` with one tier, `<dc>/<tier>/<serverType>` with several; unique in the cluster. */
  id: string;
  region: string;
  dc: string;
  /** Absent only on pools made by hand outside a cluster file (fakes of tests): the only tier. */
  tier?: string;
  serverType: string;
  replicas: number;
}

export interface DcSpec {
  name: string;
  region: string;
  /** Normal share of global traffic, normalised so the shares of all DCs add up to 1. */
  demand: number;
  /** Where the DC's replicas listen and are reached (docker driver): its own, or the cluster's host. */
  address?: string;
  /** Docker endpoint of this DC (unix://, tcp://, ssh://); absent = the default daemon. */
  dockerHost?: string;
  /** Absolute folder with ca.pem, cert.pem, key.pem for a tcp:// dockerHost with TLS. */
  dockerCertPath?: string;
  pools: PoolSpec[];
}

export interface RegionSpec {
  name: string;
  dcs: string[];
}

export interface ReplicaSpec {
  /** `<cluster>-<dc>-<serverType>-<index>` (one tier) or `<cluster>-<dc>-<tier>-<serverType>-<index>`; unique, also the container name. */
  name: string;
  region: string;
  dc: string;
  /** Absent only on replicas made by hand outside a cluster file (ad-hoc targets, fakes): the only tier. */
  tier?: string;
  pool: string;
  serverType: string;
  index: number;
  host: string;
  httpPort: number;
  /** Absent only for a static server listed without a gRPC address (it serves HTTP only); docker replicas always have one. */
  grpcPort?: number;
  /** Host of the gRPC endpoint when it differs from `host` (static clusters only). */
  grpcHost?: string;
  /** Where the server's own Prometheus metrics are (static clusters): a path on its HTTP port or a URL template. */
  metrics?: string;
}

export interface ClusterSpec {
  name: string;
  /** The file it was loaded from, for error messages. */
  file: string;
  driver: 'docker' | 'static';
  serverTypes: Record<string, ServerType>;
  regions: RegionSpec[];
  dcs: DcSpec[];
  replicas: ReplicaSpec[];
  /** Non-loopback hosts the load engine may target. */
  allowTargets: string[];
  /** The tiers in start order (every tier after those it depends on). Absent only on specs made by hand (fakes of tests): one reference tier. */
  tiers?: TierSpec[];
  /** The tier the scenario's traffic enters; absent as `tiers`. */
  front?: string;
  /** Environment of the front tier when it is the reference service (knobs such as FEED_CPU_MS). */
  serviceEnv: Record<string, string>;
  /** DC that takes a lost DC's traffic, with shares; absent = spread over survivors by demand. */
  failover?: Record<string, Record<string, number>>;
  /** An HAProxy edge in front of the front tier (cluster file `edge:`); absent = the generator picks replicas. */
  edge?: EdgeClusterSpec;
}

/** `managed`: headroom starts HAProxy (one frontend per region from `port`, or one per cluster); `existing`: someone else's. */
export type EdgeClusterSpec =
  | {
      mode: 'managed';
      port: number;
      runtimePort: number;
      per: 'region' | 'cluster';
      maxShareChange?: number;
      watchdogSeconds?: number;
    }
  | {
      mode: 'existing';
      /** `tcp://host:port`, `unix:///path` or `/path`. */
      runtime: string;
      servers: { backend: string; server: string; dc: string; serverType: string }[];
      maxShareChange?: number;
      watchdogSeconds?: number;
      /** The run's claim on this HAProxy expires this long after its last heartbeat (default 30). */
      claimSeconds?: number;
    };

export type ReplicaState = 'running' | 'paused' | 'exited' | 'dead' | 'missing' | 'unmanaged';

/** A replica as it runs: where to send HTTP and gRPC. */
export interface Replica extends ReplicaSpec {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `127.0.0.1:PORT`; absent when the replica has no gRPC address (see `grpcPort`). */
  grpc?: string;
  containerId?: string;
}

export interface ResourceSample {
  replica: string;
  /** Unix ms. */
  at: number;
  /** CPU seconds used by the replica since it started. */
  cpuSeconds: number;
  /** CPU used over the last interval as a share of its quota (0..1, can exceed 1 slightly from sampling jitter). */
  cpuShare: number;
  /** Resident memory; absent when the source does not say (a static server's metrics without it). */
  memoryMb?: number;
}
