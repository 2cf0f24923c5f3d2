// A real dockerode engine that counts the builds and pulls it is asked for: how the docker tests
// see that an unchanged build context is never rebuilt.
import { dockerEngine } from '../docker-engine';
import type { ContainerEngine } from '../engine';

export interface CountingEngine extends ContainerEngine {
  builds: string[];
  pulls: string[];
}

export function countingEngine(): CountingEngine {
  const inner = dockerEngine();
  const builds: string[] = [];
  const pulls: string[] = [];
  return Object.assign(Object.create(inner) as ContainerEngine, {
    daemon: inner.daemon,
    builds,
    pulls,
    buildImage(context: NodeJS.ReadableStream, tag: string, buildArgs?: Record<string, string>) {
      builds.push(tag);
      return inner.buildImage(context, tag, buildArgs);
    },
    pullImage(ref: string) {
      pulls.push(ref);
      return inner.pullImage(ref);
    },
  });
}

/** The CPU quota of a container from its cgroup (v2 cpu.max, or v1 cfs quota/period), in cores; undefined if no layout matches. */
export async function cgroupCpus(id: string): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  for (const dir of [`/sys/fs/cgroup/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`]) {
    const max = await readFile(`${dir}/cpu.max`, 'utf8').catch(() => undefined);
    if (max) {
      const [quota, period] = max.trim().split(' ');
      return quota === 'max' ? Infinity : Number(quota) / Number(period);
    }
  }
  for (const dir of [
    `/sys/fs/cgroup/cpu/docker/${id}`,
    `/sys/fs/cgroup/cpu,cpuacct/docker/${id}`,
    `/sys/fs/cgroup/cpu/system.slice/docker-${id}.scope`,
  ]) {
    const quota = await readFile(`${dir}/cpu.cfs_quota_us`, 'utf8').catch(() => undefined);
    const period = await readFile(`${dir}/cpu.cfs_period_us`, 'utf8').catch(() => undefined);
    if (quota && period) return Number(quota) < 0 ? Infinity : Number(quota) / Number(period);
  }
  return undefined;
}
