// A CPU hog on the machine for a case's busy run: `yes` writing to /dev/null, pinned to one core with taskset,
// started and ended by its PID (never by name: other sessions may run the same program).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface CpuHog {
  pid: number;
  /** What runs, as a shell would write it. */
  command: string;
  /** Ends the hog (SIGKILL to its PID) and waits for it to exit; twice is safe. */
  stop(): Promise<void>;
}

/** Starts `taskset -c <core> yes` with its output to /dev/null; resolves once it runs. */
export async function startCpuHog(core = 0): Promise<CpuHog> {
  const child: ChildProcess = spawn('taskset', ['-c', String(core), 'yes'], { stdio: 'ignore' });
  await Promise.race([
    once(child, 'spawn'),
    once(child, 'error').then(([err]) => {
      throw new Error(`accuracy: could not start the CPU hog (taskset -c ${core} yes): ${(err as Error).message}`);
    }),
  ]);
  const pid = child.pid!;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  return {
    pid,
    command: `taskset -c ${core} yes > /dev/null`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
