// Public face of cluster/: the model, the drivers (docker, static) behind one interface, and the
// reference image recipe. Other folders import only this file.
import type { ClusterDriver, DriverOptions } from './driver';
import type { ClusterSpec } from './model';
import { dockerDriver } from './docker-driver';
import { staticDriver } from './static-driver';

export * from './model';
export type {
  ClusterDriver,
  DockerConnectOptions,
  DownOptions,
  DriverOptions,
  Knobs,
  ReplicaStatus,
  RunningCluster,
  UpOptions,
} from './driver';
export { describeOwner, otherHostStaleMs, type Owner } from './owner';
export { label as clusterLabels } from './labels';
export { buildContext, linkedLibraries, referenceRecipe, type ImageFile, type ImageRecipe } from './image';
export type { ContainerEngine } from './engine';
export { dockerEngine, dockerHostOptions } from './docker-engine';
export { defaultDockerEngine } from './docker-daemons';
export { toReplica } from './replicas';
export { cgroupCpuUsec } from './cgroup-cpu';

export function createDriver(spec: ClusterSpec, opts: DriverOptions = {}): ClusterDriver {
  return spec.driver === 'static' ? staticDriver(spec, opts) : dockerDriver(spec, opts);
}
