// ContainerEngine over dockerode: the only module of headroom that imports it. Unversioned API
// calls, so a daemon older than the client (API 1.41 here) answers in its own version.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { ClusterError, sourceDir } from '../common';
import type { DockerConnectOptions } from './driver';
import type { ContainerCreate, ContainerDetails, ContainerEngine, ContainerState, ContainerStats } from './engine';

/**
 * `unix:///run/docker.sock`, `tcp://host:2376`, `ssh://user@host`, `npipe:////./pipe/docker_engine` to
 * dockerode options. `certPath` (a folder with ca.pem, cert.pem, key.pem, as DOCKER_CERT_PATH) makes a
 * tcp:// endpoint mutual TLS; `sshAgent` (SSH_AUTH_SOCK, passed in by the caller) is how ssh://
 * authenticates; `source` (e.g. 'DOCKER_HOST') is named in the connection errors of that endpoint.
 */
export function dockerHostOptions(
  dockerHost: string,
  how: { certPath?: string; sshAgent?: string; source?: string } = {},
): DockerConnectOptions {
  const from = how.source ? { source: `${how.source}=${dockerHost}` } : {};
  return { ...endpointOptions(dockerHost, how), ...from };
}

function endpointOptions(dockerHost: string, how: { certPath?: string; sshAgent?: string }): DockerConnectOptions {
  // A named pipe's path as written (a URL would fold its `//./` away).
  if (dockerHost.startsWith('npipe://')) return { socketPath: dockerHost.slice('npipe://'.length) };
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: Number(url.port || 22),
      ...(url.username ? { username: url.username } : {}),
      ...(how.sshAgent ? { sshOptions: { agent: how.sshAgent } } : {}),
    };
  }
  if (how.certPath) {
    const read = (f: string) => {
      try {
        return readFileSync(path.join(how.certPath!, f), 'utf8');
      } catch (err) {
        throw new ClusterError(
          `docker: cannot read ${path.join(how.certPath!, f)} for ${dockerHost}: ${(err as NodeJS.ErrnoException).code ?? err}`,
          undefined,
          undefined,
          'dockerCertPath (or DOCKER_CERT_PATH) names a folder holding ca.pem, cert.pem and key.pem',
        );
      }
    };
    const tls = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
    return { protocol: 'https', host: url.hostname, port: Number(url.port || 2376), ...tls };
  }
  return {
    protocol: url.protocol === 'tcp:' && url.port === '2376' ? 'https' : 'http',
    host: url.hostname,
    port: Number(url.port || 2375),
  };
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as { statusCode?: number }).statusCode : undefined;
}

function dockerError(what: string, err: unknown, source: string | undefined, replica?: string): ClusterError {
  const reason = (err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err);
  const unreachable = /ECONNREFUSED|ENOENT|EHOSTUNREACH|ETIMEDOUT|connect/.test(String(reason));
  // An endpoint the environment chose says so: the user may not know DOCKER_HOST is set.
  const via = source && unreachable ? ` (the Docker endpoint of ${source})` : '';
  const hint = !unreachable
    ? undefined
    : source
      ? `is the Docker daemon at ${source} running? Unset ${source.split('=')[0]} to use the default unix:///var/run/docker.sock`
      : `is the Docker daemon running? \`bash ${path.join(sourceDir(__dirname), 'ensure-docker.sh')}\` starts one`;
  return new ClusterError(`docker: ${what}: ${reason.trim()}${via}`, replica, undefined, hint);
}

/** Demultiplexes docker's log stream (8-byte frame headers) when the container has no TTY. */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return i === 0 ? buf.toString('utf8') : Buffer.concat(out).toString('utf8');
}

/**
 * CPU and memory counters straight from the container's cgroup (v1 or v2, cgroupfs or systemd
 * layout) when the daemon runs on this machine: microseconds, where `docker stats` waits for the
 * daemon's next one-second collection. Undefined when no layout matches (remote daemon, a VM).
 */
async function cgroupStats(id: string): Promise<ContainerStats | undefined> {
  const read = (p: string) => readFile(p, 'utf8');
  const inactive = (stat: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  for (const dir of [`/sys/fs/cgroup/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`]) {
    try {
      const [cpu, mem, stat] = await Promise.all([
        read(`${dir}/cpu.stat`),
        read(`${dir}/memory.current`),
        read(`${dir}/memory.stat`),
      ]);
      const usec = Number(/^usage_usec (\d+)$/m.exec(cpu)?.[1]);
      if (!Number.isFinite(usec)) continue;
      return {
        at: Date.now(),
        cpuNanos: usec * 1000,
        memoryBytes: Math.max(0, Number(mem) - inactive(stat, 'inactive_file')),
      };
    } catch {
      // not this layout
    }
  }
  for (const [cpuDir, memDir] of [
    [`/sys/fs/cgroup/cpuacct/docker/${id}`, `/sys/fs/cgroup/memory/docker/${id}`],
    [`/sys/fs/cgroup/cpu,cpuacct/docker/${id}`, `/sys/fs/cgroup/memory/docker/${id}`],
    [`/sys/fs/cgroup/cpuacct/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope`],
  ]) {
    try {
      const [cpu, mem, stat] = await Promise.all([
        read(`${cpuDir}/cpuacct.usage`),
        read(`${memDir}/memory.usage_in_bytes`),
        read(`${memDir}/memory.stat`),
      ]);
      return {
        at: Date.now(),
        cpuNanos: Number(cpu),
        memoryBytes: Math.max(0, Number(mem) - inactive(stat, 'total_inactive_file')),
      };
    } catch {
      // not this layout
    }
  }
  return undefined;
}

/** The Docker daemon of this machine, when neither DOCKER_HOST nor the cluster file names one. */
export const localDockerSocket = '/var/run/docker.sock';

/** `cgroup: false` always asks the daemon for stats (slower; what a remote daemon needs anyway). */
export function dockerEngine(opts: DockerConnectOptions = {}, how: { cgroup?: boolean } = {}): ContainerEngine {
  const { source: _source, ...given } = opts;
  // Without an endpoint dockerode would read DOCKER_HOST itself; the environment is read in common/options
  // only, and its DOCKER_HOST arrives here as opts (defaultDockerEngine), so no endpoint means the local socket.
  const connect = given.socketPath || given.host ? given : { ...given, socketPath: localDockerSocket };
  const docker = new Docker(connect as Docker.DockerOptions);
  // A remote daemon's cgroups are not on this machine; the caller passes DOCKER_HOST in as opts (common/options).
  const local = how.cgroup !== false && !opts.host;
  const container = (id: string) => docker.getContainer(id);
  const call = async <T>(what: string, fn: () => Promise<T>, ignore404 = false): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (ignore404 && statusCode(err) === 404) return undefined;
      throw dockerError(what, err, opts.source);
    }
  };
  const daemon = connect.socketPath
    ? `unix://${connect.socketPath}`
    : `${connect.protocol === 'ssh' ? 'ssh' : 'tcp'}://${connect.host}:${connect.port ?? ''}`;
  return {
    daemon,
    async list(labelFilters) {
      const rows = (await call('list containers', () =>
        docker.listContainers({ all: true, filters: { label: labelFilters } }),
      ))!;
      return rows.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        labels: c.Labels ?? {},
        state: c.State as ContainerState,
      }));
    },
    async inspect(id) {
      const c = (await call(`inspect ${id}`, () => container(id).inspect()))!;
      const started = Date.parse(c.State.StartedAt);
      const details: ContainerDetails = {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        labels: c.Config.Labels ?? {},
        state: c.State.Status as ContainerState,
        nanoCpus: c.HostConfig.NanoCpus ?? 0,
        memoryBytes: c.HostConfig.Memory ?? 0,
        exitCode: c.State.ExitCode,
        startedAt: Number.isFinite(started) && started > 0 ? started : 0,
      };
      return details;
    },
    async create(c: ContainerCreate) {
      try {
        const created = await docker.createContainer({
          name: c.name,
          Image: c.image,
          Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
          Labels: c.labels,
          ...(c.cmd ? { Cmd: c.cmd } : {}),
          ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
          ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
          ...(c.stopTimeoutS !== undefined ? { StopTimeout: c.stopTimeoutS } : {}),
          HostConfig: {
            NetworkMode: 'host',
            NanoCpus: c.nanoCpus,
            ...(c.cpuShares ? { CpuShares: c.cpuShares } : {}),
            Memory: c.memoryBytes,
            MemorySwap: c.memoryBytes,
            RestartPolicy: { Name: 'no' },
            LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
          },
        });
        return created.id;
      } catch (err) {
        if (statusCode(err) === 409) {
          throw new ClusterError(
            `docker: a container named ${c.name} exists and is not one of this cluster's (no headroom labels)`,
            c.name,
            undefined,
            `remove it yourself (docker rm -f ${c.name}) or rename the cluster`,
          );
        }
        throw dockerError(`create ${c.name}`, err, opts.source, c.name);
      }
    },
    async start(id) {
      await call(`start ${id}`, () => container(id).start());
    },
    async remove(id) {
      await call(`remove ${id}`, () => container(id).remove({ force: true, v: true }), true);
    },
    async kill(id) {
      await call(`kill ${id}`, () => container(id).kill());
    },
    async pause(id) {
      await call(`pause ${id}`, () => container(id).pause());
    },
    async unpause(id) {
      await call(`unpause ${id}`, () => container(id).unpause());
    },
    async updateCpus(id, nanoCpus) {
      await call(`update ${id}`, () =>
        container(id).update({ NanoCpus: nanoCpus, CpuShares: Math.max(2, Math.round((nanoCpus / 1e9) * 1024)) }),
      );
    },
    async stats(id): Promise<ContainerStats> {
      if (local) {
        const fast = await cgroupStats(id);
        if (fast) return fast;
      }
      const s = (await call(`stats ${id}`, () =>
        container(id).stats({ stream: false, 'one-shot': true } as { stream: false }),
      ))! as unknown as {
        read: string;
        cpu_stats: { cpu_usage: { total_usage: number } };
        memory_stats: { usage?: number; stats?: Record<string, number> };
      };
      const inactive = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? 0;
      const read = Date.parse(s.read);
      return {
        at: Number.isFinite(read) && read > 0 ? read : Date.now(),
        cpuNanos: s.cpu_stats.cpu_usage.total_usage,
        memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - inactive),
      };
    },
    async logs(id, lines) {
      const buf = await call(
        `logs ${id}`,
        () => container(id).logs({ stdout: true, stderr: true, tail: lines, follow: false }),
        true,
      );
      return buf ? demux(Buffer.from(buf as unknown as Buffer)).trimEnd() : '';
    },
    async imageExists(tag) {
      return (await call(`inspect image ${tag}`, () => docker.getImage(tag).inspect(), true)) !== undefined;
    },
    async pullImage(ref) {
      const stream = (await call(`pull ${ref}`, () => docker.pull(ref) as Promise<NodeJS.ReadableStream>))!;
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
            const failed = events?.find((e) => e.error || e.errorDetail);
            if (err || failed)
              reject(
                new ClusterError(
                  `docker: pull ${ref}: ${failed?.error ?? failed?.errorDetail?.message ?? err?.message}`,
                ),
              );
            else resolve();
          },
        );
      });
    },
    async exportImage(ref) {
      return (await call(`save ${ref}`, () => docker.getImage(ref).get()))!;
    },
    async loadImage(tar) {
      const stream = (await call('load an image', () => docker.loadImage(tar) as Promise<NodeJS.ReadableStream>))!;
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
            const failed = events?.find((e) => e.error || e.errorDetail);
            const reason = failed?.error ?? failed?.errorDetail?.message ?? err?.message;
            if (err || failed) reject(new ClusterError(`docker: load an image: ${reason}`));
            else resolve();
          },
        );
      });
    },
    async removeImage(tag) {
      await call(`remove image ${tag}`, () => docker.getImage(tag).remove({ force: true }), true);
    },
    async buildImage(context, tag, buildArgs) {
      const stream = (await call(`build ${tag}`, () =>
        docker.buildImage(context, { t: tag, rm: true, forcerm: true, ...(buildArgs ? { buildargs: buildArgs } : {}) }),
      ))!;
      const log: string[] = [];
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
            const failed = events?.find((e) => e.error || e.errorDetail);
            if (err || failed)
              reject(
                new ClusterError(
                  `docker: building ${tag} failed: ${failed?.error ?? failed?.errorDetail?.message ?? err?.message}`,
                  undefined,
                  log.slice(-20).join(''),
                ),
              );
            else resolve();
          },
          (e: { stream?: string }) => {
            if (e.stream) log.push(e.stream);
          },
        );
      });
      return log.join('');
    },
  };
}
