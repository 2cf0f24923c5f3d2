// What a cluster driver offers the rest of headroom: bring a cluster file's replicas up, take them
// down, say how they are, and (once up) sample their resources and inject faults.
import type { Replica, ReplicaState, ResourceSample, ClusterSpec } from './model';

/** The reference service's run-time knobs (POST /admin/knobs). */
export interface Knobs {
  feedCpuMs: number;
  likeCpuMs: number;
  backendWaitMs: number;
  errorRate: number;
}

export type ReplicaStatus = Replica & { state: ReplicaState; cpus: number; memoryMb: number };

export interface UpOptions {
  /** Labels every container (headroom.run); default: a fresh id from the time. */
  runId?: string;
  /** Aborting stops the start-up, removes what was started and rejects with Interrupted. */
  signal?: AbortSignal;
}

export interface ClusterDriver {
  /** Removes leftovers of this cluster (by label) first, starts every replica and waits until each is healthy over HTTP and gRPC. */
  up(opts?: UpOptions): Promise<RunningCluster>;
  /** Removes exactly this cluster's containers (by label); returns how many. */
  down(): Promise<number>;
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
  /** Starts a killed replica again and waits until it is healthy (managed drivers only). */
  restart?(replica: string): Promise<void>;
  /** Removes the replicas; safe to call twice. */
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
}

export interface DriverOptions {
  logger?: import('../common').Logger;
  docker?: DockerConnectOptions;
  /** Base of the reference image: 'scratch' (assembled from the host's node, offline) or an image such as node:20-slim (needs a registry). */
  baseImage?: string;
  /** How long one replica may take to answer each health check (default 30 s). */
  healthTimeoutMs?: number;
  /** The Docker endpoint of DCs that name none (DOCKER_HOST, read by common/options); default: dockerode's own. */
  dockerHost?: string;
  /** DOCKER_CERT_PATH (read by common/options): TLS certificates of a tcp:// `dockerHost`. */
  dockerCertPath?: string;
  /** SSH_AUTH_SOCK (read by common/options): the agent that ssh:// Docker endpoints authenticate with. */
  sshAgent?: string;
}
