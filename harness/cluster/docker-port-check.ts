// Before a docker cluster starts: the ports of its replicas on this machine that something else listens on,
// named with their holder (another headroom cluster's replica, or the process), as one error.
import { ClusterError } from '../common';
import type { ClusterDaemons } from './docker-daemons';
import { label } from './labels';
import type { ClusterSpec } from './model';
import { describeHolder, takenPorts } from './taken-ports';

/** Ports of local replicas that something else listens on: a clear error before anything starts. */
export async function checkPorts(spec: ClusterSpec, daemons: ClusterDaemons): Promise<void> {
  const local = spec.replicas.filter(daemons.onThisMachine);
  const taken = await takenPorts(
    local.flatMap((r) => [
      { host: r.host, port: r.httpPort },
      ...(r.grpcPort !== undefined ? [{ host: r.host, port: r.grpcPort }] : []),
    ]),
  );
  if (!taken.length) return;
  const owners = new Map<string, string>();
  for (const h of new Set(local.map(daemons.dockerHostOf))) {
    for (const c of await daemons.engineOf(h).list([label.cluster])) {
      const owner = `replica ${c.labels[label.replica]} of headroom cluster ${c.labels[label.cluster]}`;
      for (const key of [label.http, label.grpc]) if (c.labels[key]) owners.set(c.labels[key], owner);
    }
  }
  const lines = taken.map((t) => {
    const owner = owners.get(`${t.host}:${t.port}`);
    const r = local.find((x) => x.host === t.host && (x.httpPort === t.port || x.grpcPort === t.port))!;
    const other = `a process that is not one of headroom's replicas${t.holder ? `: ${describeHolder(t.holder)}` : ''}`;
    return `${t.host}:${t.port} (wanted by ${r.name}) is in use by ${owner ?? other}`;
  });
  throw new ClusterError(
    `cluster ${spec.name}: ${taken.length} of its ports are already in use, nothing was started:\n  ${lines.join('\n  ')}`,
    undefined,
    undefined,
    owners.size
      ? 'bring the other cluster down (headroom down <its file>) or give this one another port range'
      : `stop what listens there, or change 'ports' in ${spec.file}`,
  );
}
