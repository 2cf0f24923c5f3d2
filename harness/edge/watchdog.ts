// The dead-man option: the harness writes a heartbeat file every second; a small detached process
// (watchdog-main.ts) restores the run's saved weights when the heartbeat is older than N seconds,
// so HAProxy's weights come back even after a SIGKILL of the harness.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processEnvironment, projectRoot } from '../common';

export const heartbeatFileName = 'edge-heartbeat';
export const watchdogPidFile = 'edge-watchdog.pid';
/** Written by the watchdog when it restored the weights. */
export const watchdogReportFile = 'edge-watchdog.json';

// Compiled (dist/, make build), the watchdog is watchdog-main.js beside this file; from the TypeScript
// sources, ts-node runs watchdog-main.ts.
const compiled = __filename.endsWith('.js');
const entry = compiled
  ? [path.join(__dirname, 'watchdog-main.js')]
  : ['-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, 'watchdog-main.ts')];

export interface Heartbeat {
  stop(): void;
}

/** Touches `file` now and every `intervalMs`; the timer does not keep the process alive. */
export function startHeartbeat(file: string, intervalMs = 1000): Heartbeat {
  const beat = () => writeFileSync(file, `${Date.now()}\n`);
  beat();
  const t = setInterval(beat, intervalMs);
  t.unref();
  return { stop: () => clearInterval(t) };
}

export interface Watchdog {
  pid: number;
  /** Ends the watchdog without restoring (the harness restored the weights itself). */
  stop(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the detached watchdog of a run folder holding edge-weights.json; it outlives this process. */
export function startWatchdog(runDir: string, opts: { timeoutSeconds: number; heartbeatFile?: string }): Watchdog {
  const heartbeat = opts.heartbeatFile ?? path.join(runDir, heartbeatFileName);
  const log = openSync(path.join(runDir, 'edge-watchdog.log'), 'a');
  const child = spawn(process.execPath, [...entry, runDir, heartbeat, String(opts.timeoutSeconds)], {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', log, log],
    // The watchdog inherits this process's environment as it is (common/options reads it; nothing is read here).
    env: compiled
      ? processEnvironment()
      : { ...processEnvironment(), TS_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json') },
  });
  closeSync(log);
  child.unref();
  const pid = child.pid!;
  writeFileSync(path.join(runDir, watchdogPidFile), `${pid}\n`);
  return {
    pid,
    async stop() {
      if (!alive(pid)) return;
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
