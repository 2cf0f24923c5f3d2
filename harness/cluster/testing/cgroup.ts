// What the kernel holds for a container, read from its cgroup (v2 or v1, cgroupfs or systemd layout):
// the docker tests' witness that a server type's CPU quota is enforced, independent of the driver.
import { readFile } from 'node:fs/promises';

const read = (file: string) => readFile(file, 'utf8').catch(() => undefined);

/** Directories that may hold a container's cpu controller files, v2 first. */
const cpuDirs = (id: string) => ({
  v2: [`/sys/fs/cgroup/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`],
  v1: [
    `/sys/fs/cgroup/cpu/docker/${id}`,
    `/sys/fs/cgroup/cpu,cpuacct/docker/${id}`,
    `/sys/fs/cgroup/cpu/system.slice/docker-${id}.scope`,
  ],
});

/** The CPU quota of a container from its cgroup (v2 cpu.max, or v1 cfs quota/period), in cores; undefined if no layout matches. */
export async function cgroupCpus(id: string): Promise<number | undefined> {
  for (const dir of cpuDirs(id).v2) {
    const max = await read(`${dir}/cpu.max`);
    if (max) {
      const [quota, period] = max.trim().split(' ');
      return quota === 'max' ? Infinity : Number(quota) / Number(period);
    }
  }
  for (const dir of cpuDirs(id).v1) {
    const quota = await read(`${dir}/cpu.cfs_quota_us`);
    const period = await read(`${dir}/cpu.cfs_period_us`);
    if (quota && period) return Number(quota) < 0 ? Infinity : Number(quota) / Number(period);
  }
  return undefined;
}

export interface Throttling {
  /** Enforcement periods in which the cgroup had runnable tasks. */
  periods: number;
  /** Periods in which it used up its quota and the kernel held it back until the next one. */
  throttled: number;
}

/** The CFS bandwidth counters of a container's cgroup (cpu.stat, the same keys in v1 and v2). */
export async function cgroupThrottling(id: string): Promise<Throttling> {
  const { v1, v2 } = cpuDirs(id);
  for (const dir of [...v2, ...v1]) {
    const stat = await read(`${dir}/cpu.stat`);
    const count = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(stat ?? '')?.[1]);
    if (Number.isFinite(count('nr_periods'))) return { periods: count('nr_periods'), throttled: count('nr_throttled') };
  }
  throw new Error(`no cpu.stat with nr_periods for container ${id.slice(0, 12)} under /sys/fs/cgroup`);
}
