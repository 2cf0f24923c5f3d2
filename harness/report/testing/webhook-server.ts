// A webhook receiver on loopback for the notification tests: records each POST, and answers as told
// (fail the first N requests, or never answer).
import http from 'node:http';

export interface WebhookServer {
  url: string;
  /** Bodies received, parsed as JSON, with their content type. */
  received: { contentType: string | undefined; body: unknown }[];
  close(): Promise<void>;
}

export interface WebhookBehaviour {
  /** Answer this many requests with `failStatus` before answering 200. */
  failFirst?: number;
  failStatus?: number;
  /** Never answer (the socket stays open until close). */
  hang?: boolean;
}

/** Listens on the first free port of [firstPort, lastPort] on 127.0.0.1. */
export async function startWebhookServer(
  firstPort: number,
  lastPort: number,
  behaviour: WebhookBehaviour = {},
): Promise<WebhookServer> {
  const received: WebhookServer['received'] = [];
  let failuresLeft = behaviour.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* kept as text */
      }
      received.push({ contentType: req.headers['content-type'], body });
      if (behaviour.hang) return;
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(behaviour.failStatus ?? 503).end('try later');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  for (let port = firstPort; port <= lastPort; port++) {
    const bound = await new Promise<boolean>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err));
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (bound) {
      return {
        url: `http://127.0.0.1:${port}/hook`,
        received,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    }
  }
  throw new Error(`no free port in ${firstPort}-${lastPort} on 127.0.0.1`);
}
