// The one server a bench generator loads, as the load engine's replica: the URL's host and port, in a
// region, DC and pool of their own named after the bench.
import type { Replica } from '../../cluster';

export function urlReplica(u: URL, name: string): Replica {
  return {
    name,
    region: 'local',
    dc: 'local',
    pool: `local/${name}`,
    serverType: name,
    index: 0,
    host: u.hostname,
    httpPort: Number(u.port),
    grpcPort: 0,
    http: u.origin,
    grpc: '',
  };
}
