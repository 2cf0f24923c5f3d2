// Fills in the templates of a tier's command and env for one replica: its own ports, host, name
// and DC, and the addresses of another tier's replicas in the same DC (a DC's web tier talks to
// that DC's backend, as in production). The config loader has refused unknown names already.
import type { ReplicaSpec } from './model';
import { hostPort } from './replicas';

/** `{{tier.backend.http}}`: `http://127.0.0.1:20010,http://127.0.0.1:20012`; `.grpc`: `127.0.0.1:20011,...`; `.tcp`: `127.0.0.1:20010,...`. */
export function renderTemplate(text: string, replica: ReplicaSpec, all: readonly ReplicaSpec[]): string {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (whole, name: string) => {
    if (name === 'port.http') return String(replica.httpPort);
    // A static server without a gRPC address: the config loader refuses {{port.grpc}} for it.
    if (name === 'port.grpc') return replica.grpcPort === undefined ? '' : String(replica.grpcPort);
    // A plain TCP server (memcached, PostgreSQL) listens on the first port, where an HTTP one would.
    if (name === 'port.tcp') return String(replica.httpPort);
    if (name === 'host') return replica.host;
    if (name === 'replica') return replica.name;
    if (name === 'dc') return replica.dc;
    const m = /^tier\.([^.]+)\.(http|grpc|tcp)$/.exec(name);
    if (!m) return whole;
    const peers = all.filter((r) => r.tier === m[1] && r.dc === replica.dc);
    return peers
      .flatMap((r) => {
        if (m[2] === 'http') return [`http://${hostPort(r.host, r.httpPort)}`];
        if (m[2] === 'tcp') return [hostPort(r.host, r.httpPort)];
        return r.grpcPort === undefined ? [] : [hostPort(r.grpcHost ?? r.host, r.grpcPort)];
      })
      .join(',');
  });
}

export function renderAll(
  texts: Record<string, string>,
  replica: ReplicaSpec,
  all: readonly ReplicaSpec[],
): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, renderTemplate(v, replica, all)]));
}
