// The small container client the docker driver talks to. docker-engine.ts implements it with
// dockerode (the only place that imports it); tests of pure logic can use a fake.

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerState;
}

export interface ContainerDetails extends ContainerSummary {
  nanoCpus: number;
  memoryBytes: number;
  exitCode: number;
  /** Unix ms, 0 when never started. */
  startedAt: number;
}

export interface ContainerCreate {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  nanoCpus: number;
  /** Relative CPU weight under contention (Docker's default is 1024). */
  cpuShares?: number;
  memoryBytes: number;
  /** Docker's Cmd and Entrypoint; absent: the image's own. */
  cmd?: string[];
  entrypoint?: string[];
  /** The signal `docker stop` sends, and how long it waits before SIGKILL (whole seconds). */
  stopSignal?: string;
  stopTimeoutS?: number;
}

export interface ContainerStats {
  /** Unix ms when the daemon read the counters. */
  at: number;
  cpuNanos: number;
  memoryBytes: number;
}

export interface ContainerEngine {
  /** A label filter: `key` (any value) or `key=value`. */
  list(labelFilters: string[]): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails>;
  create(c: ContainerCreate): Promise<string>;
  start(id: string): Promise<void>;
  /** Force-removes; a container already gone is not an error. */
  remove(id: string): Promise<void>;
  kill(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  updateCpus(id: string, nanoCpus: number): Promise<void>;
  stats(id: string): Promise<ContainerStats>;
  /** The last `lines` lines of stdout and stderr. */
  logs(id: string, lines: number): Promise<string>;
  imageExists(tag: string): Promise<boolean>;
  /** Pulls an image from its registry; rejects with the daemon's reason. */
  pullImage(ref: string): Promise<void>;
  /** The image as a `docker save` tar stream (to load it on another daemon without a registry). */
  exportImage(ref: string): Promise<NodeJS.ReadableStream>;
  /** Loads a `docker save` tar stream; rejects with the daemon's reason. */
  loadImage(tar: NodeJS.ReadableStream): Promise<void>;
  /** Removes an image; one already gone is not an error. */
  removeImage(tag: string): Promise<void>;
  /** Where this engine's daemon is, for messages (`unix:///var/run/docker.sock`). */
  readonly daemon: string;
  /** Builds from a tar stream holding a Dockerfile, with its build arguments (`ARG`); returns the build's log. */
  buildImage(context: NodeJS.ReadableStream, tag: string, buildArgs?: Record<string, string>): Promise<string>;
}
