// What a cluster driver offers the rest of headroom: bring a cluster file's replicas up, take them
// down, say how they are, and (once up) sample their resources and inject faults.
import type { Replica, ReplicaState, ResourceSample, ClusterSpec } from './model';
import type { Owner } from './owner';

/** The reference service's run-time knobs (POST /admin/knobs). */
export interface Knobs {
  feedCpuMs: number;
  likeCpuMs: number;
  backendWaitMs: number;
  errorRate: number;
}

/** A replica as `status` shows it; `owner`: the run that started its container, and whether that run's process lives. */
export type ReplicaStatus = Replica & {
  state: ReplicaState;
  cpus: number;
  memoryMb: number;
  owner?: Owner & { live: boolean };
};

export interface UpOptions {
  /** Labels every container (headroom.run); default: a fresh id from the time. */
  runId?: string;
  /** Aborting stops the start-up, removes what was started and rejects with Interrupted. */
  signal?: AbortSignal;
  /** Who holds the containers (owner labels); default this process. Tests pretend to be another process with it. */
  owner?: Omit<Owner, 'runId'>;
}

export interface DownOptions {
  /** Only the containers of this run (a run's own teardown). */
  runId?: string;
  /** Also the containers of a live owner other than this process (`headroom down --force`). */
  force?: boolean;
}

export interface ClusterDriver {
  /**
   * Refuses (ClusterError, exit 110) when a live owner other than this run holds the cluster; removes
   * dead owners' leftovers (by label), starts every replica and waits until each is healthy over HTTP and gRPC.
   */
  up(opts?: UpOptions): Promise<RunningCluster>;
  /**
   * Removes this cluster's containers (by label) and returns how many: those of `runId` only, or all of
   * them when no live owner but this process holds any (else a ClusterError naming the holder), or all with `force`.
   */
  down(opts?: DownOptions): Promise<number>;
  /** Every replica of the spec with its state ('missing' when no container exists). */
  status(): Promise<ReplicaStatus[]>;
}

export interface RunningCluster extends AsyncDisposable {
  spec: ClusterSpec;
  replicas: Replica[];
  runId: string;
  /** One sample per live replica; cpuShare is over the time since the previous call (or since up). */
  sampleResources(): Promise<ResourceSample[]>;
  /** SIGKILL: the replica stops serving at once (its container stays until down). */
  kill(replica: string): Promise<void>;
  pause(replica: string): Promise<void>;
  unpause(replica: string): Promise<void>;
  /** Live CPU quota change, in cores. */
  setCpus(replica: string, cpus: number): Promise<void>;
  /** Changes the reference service's knobs at run time; resolves with the knobs now in force. */
  setKnobs(replica: string, knobs: Partial<Knobs>): Promise<Knobs>;
  /** Whether a replica passes its tier's health check now, one attempt within timeoutMs (default 1 s). */
  healthy?(replica: string, timeoutMs?: number): Promise<boolean>;
  /** Starts a killed replica again and waits until it is healthy (managed drivers only). */
  restart?(replica: string): Promise<void>;
  /** Removes this run's replicas (never another run's); safe to call twice. */
  down(): Promise<void>;
}

/** How to reach a Docker daemon; absent fields take dockerode's defaults (DOCKER_HOST, /var/run/docker.sock). */
export interface DockerConnectOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https' | 'ssh';
  username?: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** ssh2's options for ssh://, such as the agent socket. */
  sshOptions?: { agent?: string };
  /** Where the endpoint was named, e.g. `DOCKER_HOST=tcp://host:2376`: its connection errors say so. */
  source?: string;
}

export interface DriverOptions {
  logger?: import('../common').Logger;
  docker?: DockerConnectOptions;
  /** Base of the reference image: 'scratch' (assembled from the host's node, offline) or an image such as node:20-slim (needs a registry). */
  baseImage?: string;
  /** How long one replica may take to answer each health check (default 30 s). */
  healthTimeoutMs?: number;
  /** The Docker endpoint of DCs that name none (DOCKER_HOST, read by common/options); default: this machine's socket. */
  dockerHost?: string;
  /** DOCKER_CERT_PATH (read by common/options): TLS certificates of a tcp:// `dockerHost`. */
  dockerCertPath?: string;
  /** SSH_AUTH_SOCK (read by common/options): the agent that ssh:// Docker endpoints authenticate with. */
  sshAgent?: string;
}
