// The container's CPU time straight from its cgroup's accounting files (v2 cpu.stat, v1 cpuacct.usage),
// read here rather than through the resource sampler a drill uses (the accuracy suite's truth, and tests
// that check the sampler against it).
import { readFile } from 'node:fs/promises';
import { ClusterError } from '../common';

/** Where a container's CPU accounting lives, by cgroup version and layout (cgroupfs or systemd driver). */
const layouts = (id: string) => [
  { file: `/sys/fs/cgroup/docker/${id}/cpu.stat`, usec: true },
  { file: `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, usec: true },
  { file: `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, usec: false },
  { file: `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`, usec: false },
  { file: `/sys/fs/cgroup/cpuacct/system.slice/docker-${id}.scope/cpuacct.usage`, usec: false },
];

/** CPU microseconds the container has used since it started. */
export async function cgroupCpuUsec(containerId: string): Promise<number> {
  for (const l of layouts(containerId)) {
    let text: string;
    try {
      text = await readFile(l.file, 'utf8');
    } catch {
      continue; // not this layout
    }
    const value = l.usec ? Number(/^usage_usec (\d+)$/m.exec(text)?.[1]) : Number(text.trim()) / 1000;
    if (Number.isFinite(value)) return value;
  }
  throw new ClusterError(
    `accuracy: no cgroup CPU accounting found for container ${containerId.slice(0, 12)} under /sys/fs/cgroup`,
    undefined,
    undefined,
    'the accuracy suite reads the cgroup files of a local Docker daemon; a remote daemon or a VM has none here',
  );
}
