// What a caller (the CLI's `drill`, the tests) hands runScenario and what it gets back: the run's options
// (files, streams, signal, teardown limit, driver and output settings) and its result (exit code, files written).
import type { AgentSource } from '../agent';
import type { RunAnalysis } from '../capacity';
import type { DriverOptions, RunningCluster } from '../cluster';
import type { Logger } from '../common';
import type { OutSpec } from '../metrics';
import type { StepRecord, Summary } from '../results';

export type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface DrillRunOptions {
  scenarioFile: string;
  /** The run directory; default reports/<run-id> under cwd. */
  outDir?: string;
  /** Leave the cluster running at the end. */
  keep?: boolean;
  /** An existing, non-empty outDir is moved aside instead of refused. */
  replace?: boolean;
  /** An earlier run (directory or summary.json): its redlines start the ramps, and the end compares against it. */
  baseline?: string;
  /** Forecast CSV for the plan; overrides the scenario's. */
  forecast?: string;
  cwd: string;
  /** Where the path of index.html is printed. */
  stdout: Out;
  /** Live view and log lines. */
  stderr: Out;
  signal?: AbortSignal;
  /** Time limit of the teardown (weights, load, replicas); default 30 s. Past it the run says what may be left. */
  teardownTimeoutMs?: number;
  /** Told what the run holds and when its teardown must end (a second signal forces the exit then; cli/shutdown.ts). */
  shutdown?: { holding(what: string): void; tearingDown(deadline: number): void };
  logger: Logger;
  /** Force the live view on (true) or plain lines (false); default: stderr is a TTY. */
  tty?: boolean;
  /** Driver options from the environment (base image, health timeout, Docker endpoint); the logger is this run's. */
  driver?: DriverOptions;
  /** Called once the cluster is up and the engine started (tests inject faults through it). */
  onClusterUp?: (cluster: RunningCluster) => void | Promise<void>;
  /** Live outputs: k6 JSON points to a file, an OpenMetrics endpoint (`--out json=FILE`, `--out prometheus`). */
  outputs?: OutSpec[];
  /** Generator agents instead of the in-process engine (`--agents N`, or addresses). */
  agents?: AgentSource;
  /** An existing edge: take it from a live owner, and take weights other than its configured ones as found. */
  force?: boolean;
}

export interface DrillRunResult {
  exitCode: number;
  runDir: string;
  /** Null when the report could not be written. */
  indexHtml: string | null;
  /** summary.json as written. */
  summary: Summary;
  /** What the run means (plan, range, comparison, failures): JUnit and the webhook are rendered from it. */
  analysis: RunAnalysis;
  steps: StepRecord[];
}
