// What a run hands to CI at its end, behind one call for `drill` and `compare`: the JUnit file (`--junit FILE`)
// and the webhook (`--notify URL`), plus the one line a person reads in the job log.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { junitXml, type JunitInput } from './junit';
import { notifyPayload, postNotification, shouldNotify } from './notify';
import type { NotifyInput, NotifyPayload, PostOptions, PostResult } from './notify';

export interface CiOutputOptions {
  junitFile?: string;
  notifyUrl?: string;
  /** Post on every run, not only a failed or regressed one. */
  notifyAlways?: boolean;
  post?: PostOptions;
}

export interface CiOutputResult {
  junitFile: string | null;
  /** The payload, whether sent or not (null without a URL). */
  payload: NotifyPayload | null;
  notified: PostResult | null;
  /** Warnings for the log (a webhook that stayed down); they never change the exit code. */
  warnings: string[];
  /** One line for the job log, e.g. `headroom: FAILED capacity-drill on local-3dc: 1 regressed, 4 survivors broke (exit 99)`. */
  logLine: string;
}

/** Writes to a temp file and renames, so a CI server never reads half a JUnit file. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

function logLineOf(p: NotifyPayload): string {
  const verdict = p.status === 'passed' && p.regressed ? 'REGRESSED' : p.status.toUpperCase();
  const parts = [
    p.regressions.length
      ? `${p.regressions.length} server type(s) regressed (${p.regressions.map((r) => r.serverType).join(', ')})`
      : '',
    p.failedThresholds.length ? `${p.failedThresholds.length} threshold(s) failed` : '',
    p.failedSurvivors.length ? `${p.failedSurvivors.length} DC-loss survivor(s) broke` : '',
    p.error ?? '',
  ].filter(Boolean);
  return (
    `headroom: ${verdict} ${p.scenario} on ${p.cluster}${parts.length ? `: ${parts.join('; ')}` : ''}` +
    `${p.exitCode !== null ? ` (exit ${p.exitCode})` : ''}${p.report ? `; report ${p.report}` : ''}`
  );
}

/** Writes the JUnit file and posts the notification as asked. Throws only when the JUnit file cannot be written. */
export async function writeCiOutputs(input: JunitInput & NotifyInput, opts: CiOutputOptions): Promise<CiOutputResult> {
  const warnings: string[] = [];
  if (opts.junitFile)
    await writeAtomic(opts.junitFile, junitXml({ ...input, reportPath: input.reportPath ?? input.report }));
  const payload = notifyPayload({ ...input, report: input.report ?? input.reportPath });
  let notified: PostResult | null = null;
  if (opts.notifyUrl && shouldNotify(payload, opts.notifyAlways)) {
    notified = await postNotification(opts.notifyUrl, payload, opts.post);
    if (!notified.delivered) {
      warnings.push(
        `notification to the webhook failed after ${notified.attempts} attempt(s): ${notified.failures.join('; ')}`,
      );
    }
  }
  return {
    junitFile: opts.junitFile ?? null,
    payload: opts.notifyUrl ? payload : null,
    notified,
    warnings,
    logLine: logLineOf(payload),
  };
}
