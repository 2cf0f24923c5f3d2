// Which of a cluster's ports something else already listens on, found by trying to bind each
// (replicas use host networking, so their ports are this machine's ports).
import net from 'node:net';

export function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The `host:port` pairs among `endpoints` that are taken. */
export async function takenPorts(endpoints: { host: string; port: number }[]): Promise<{ host: string; port: number }[]> {
  const taken: { host: string; port: number }[] = [];
  for (const e of endpoints) if (await portTaken(e.host, e.port)) taken.push(e);
  return taken;
}
