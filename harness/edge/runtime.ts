// A client of HAProxy's runtime API (the stats socket, unix or TCP) over node:net: one connection per
// batch of commands (`a;b;c`, HAProxy's non-interactive mode), weights read and set, `show stat` parsed.
import net from 'node:net';
import { ClusterError } from '../common';
import { formatRuntimeAddress, type RuntimeAddress } from './runtime-address';
import { parseStatCsv, type StatRow } from './stat-csv';

export interface ServerWeight {
  backend: string;
  server: string;
  weight: number;
  initial: number;
}

/** Every server's weight at one moment, to put back later. */
export interface WeightSnapshot {
  runtime: string;
  takenAt: string;
  servers: ServerWeight[];
}

const namePattern = /^[A-Za-z0-9_.:-]+$/;

/**
 * HAProxy's runtime API did not answer: the connection was refused or reset, the socket is missing, or no
 * answer came in time. `code` is the OS's (ECONNREFUSED, ENOENT, ECONNRESET...) or `timeout`.
 */
export class RuntimeUnreachable extends ClusterError {
  constructor(
    readonly url: string,
    readonly why: string,
    readonly code: string,
  ) {
    super(
      `edge: HAProxy's runtime API at ${url}: ${why}`,
      undefined,
      undefined,
      'is HAProxy running, with `stats socket ... level admin` at that address?',
    );
  }
}

export class RuntimeClient {
  readonly address: RuntimeAddress;
  private readonly timeoutMs: number;

  constructor(address: RuntimeAddress, opts: { timeoutMs?: number } = {}) {
    this.address = address;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  get url(): string {
    return formatRuntimeAddress(this.address);
  }

  /** Sends commands in one batch and returns HAProxy's whole answer (HAProxy closes after it). */
  command(...commands: string[]): Promise<string> {
    for (const c of commands)
      if (/[;\n]/.test(c)) throw new Error(`runtime API: a command may not hold ';' or a newline: ${c}`);
    return new Promise((resolve, reject) => {
      const socket =
        'path' in this.address
          ? net.connect({ path: this.address.path })
          : net.connect({ host: this.address.host, port: this.address.port });
      const chunks: Buffer[] = [];
      const fail = (why: string, code: string) => {
        socket.destroy();
        reject(new RuntimeUnreachable(this.url, why, code));
      };
      socket.setTimeout(this.timeoutMs, () => fail(`no answer within ${this.timeoutMs} ms`, 'timeout'));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code ?? 'error'));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('connect', () => socket.end(`${commands.join(';')}\n`));
    });
  }

  /** `set weight` on several servers in one batch; any answer but an empty one is HAProxy refusing. */
  async setWeights(weights: readonly { backend: string; server: string; weight: number }[]): Promise<void> {
    if (weights.length === 0) return;
    for (const w of weights) {
      if (!namePattern.test(w.backend) || !namePattern.test(w.server))
        throw new ClusterError(`edge: invalid backend/server name ${w.backend}/${w.server}`);
      if (!Number.isInteger(w.weight) || w.weight < 0 || w.weight > 256)
        throw new ClusterError(`edge: weight of ${w.backend}/${w.server} must be an integer 0-256, got ${w.weight}`);
    }
    const answer = await this.command(...weights.map((w) => `set weight ${w.backend}/${w.server} ${w.weight}`));
    const refused = answer.split('\n').filter((l) => l.trim() !== '');
    if (refused.length)
      throw new ClusterError(
        `edge: HAProxy refused a weight change: ${refused.join('; ')} (sent: ${weights.map((w) => `${w.backend}/${w.server}=${w.weight}`).join(' ')})`,
      );
  }

  setWeight(backend: string, server: string, weight: number): Promise<void> {
    return this.setWeights([{ backend, server, weight }]);
  }

  /** Current and initial weights as HAProxy reports them (`get weight`), in the order asked. */
  async getWeights(servers: readonly { backend: string; server: string }[]): Promise<ServerWeight[]> {
    if (servers.length === 0) return [];
    const answer = await this.command(...servers.map((s) => `get weight ${s.backend}/${s.server}`));
    const parts = answer.split('\n').filter((l) => l.trim() !== '');
    if (parts.length !== servers.length)
      throw new ClusterError(`edge: unexpected answer to get weight: ${answer.trim()}`);
    return servers.map((s, i) => {
      const m = /^(\d+) \(initial (\d+)\)$/.exec(parts[i].trim());
      if (!m) throw new ClusterError(`edge: get weight ${s.backend}/${s.server}: ${parts[i].trim()}`);
      return { backend: s.backend, server: s.server, weight: Number(m[1]), initial: Number(m[2]) };
    });
  }

  async getWeight(backend: string, server: string): Promise<ServerWeight> {
    return (await this.getWeights([{ backend, server }]))[0];
  }

  async showStat(): Promise<StatRow[]> {
    const answer = await this.command('show stat');
    if (!answer.startsWith('# ')) throw new ClusterError(`edge: show stat: ${answer.trim()}`);
    return parseStatCsv(answer);
  }

  /** Every server of every backend with its weight now. */
  async snapshotWeights(): Promise<WeightSnapshot> {
    const servers = (await this.showStat())
      .filter((r) => r.kind === 'server')
      .map((r) => ({ backend: r.proxy, server: r.name }));
    return { runtime: this.url, takenAt: new Date().toISOString(), servers: await this.getWeights(servers) };
  }

  /** Puts the snapshot's weights back and returns what HAProxy reports afterwards. */
  async restoreWeights(snapshot: WeightSnapshot): Promise<ServerWeight[]> {
    await this.setWeights(snapshot.servers);
    return this.getWeights(snapshot.servers);
  }
}
