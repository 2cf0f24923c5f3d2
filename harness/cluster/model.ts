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

export interface PoolSpec {
  /** `<dc>/<serverType>`, unique in the cluster. */
  id: string;
  region: string;
  dc: string;
  serverType: string;
  replicas: number;
}

export interface DcSpec {
  name: string;
  region: string;
  /** Normal share of global traffic, normalised so the shares of all DCs add up to 1. */
  demand: number;
  /** Docker endpoint of this DC (unix://, tcp://, ssh://); absent = the default daemon. */
  dockerHost?: string;
  pools: PoolSpec[];
}

export interface RegionSpec {
  name: string;
  dcs: string[];
}

export interface ReplicaSpec {
  /** `<cluster>-<dc>-<serverType>-<index>`, unique, also the container name. */
  name: string;
  region: string;
  dc: string;
  pool: string;
  serverType: string;
  index: number;
  host: string;
  httpPort: number;
  grpcPort: number;
  /** Host of the gRPC endpoint when it differs from `host` (static clusters only). */
  grpcHost?: string;
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
  /** Environment for the reference service in every replica (knobs such as FEED_CPU_MS). */
  serviceEnv: Record<string, string>;
  /** DC that takes a lost DC's traffic, with shares; absent = spread over survivors by demand. */
  failover?: Record<string, Record<string, number>>;
}

export type ReplicaState = 'running' | 'paused' | 'exited' | 'dead' | 'missing' | 'unmanaged';

/** A replica as it runs: where to send HTTP and gRPC. */
export interface Replica extends ReplicaSpec {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `127.0.0.1:PORT` */
  grpc: string;
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
  memoryMb: number;
}
