// reports/history.ndjson: one line per drill with its redlines and CPU per request, so the
// report can show each server type's redline over past runs.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Summary } from './records';
import { lowestRedlines } from './redlines';

export interface HistoryEntry {
  runId: string;
  endedAt: string;
  scenario: string;
  cluster: string;
  status: Summary['status'];
  /** Per server type: the run's redline by the one rule (lowestRedlines; null when no load held) and its CPU per request. */
  redlines: { serverType: string; rpsPerReplica: number | null; cpuMsPerRequest: number | null }[];
}

export function historyEntryOf(summary: Summary): HistoryEntry {
  return {
    runId: summary.runId,
    endedAt: summary.endedAt,
    scenario: summary.scenario,
    cluster: summary.cluster.name,
    status: summary.status,
    redlines: lowestRedlines(summary).map((r) => ({
      serverType: r.serverType,
      rpsPerReplica: r.rpsPerReplica,
      cpuMsPerRequest: r.cpuMsPerRequest,
    })),
  };
}

/** Appends the run's line; creates the file and its folder when missing. */
export async function appendHistory(historyFile: string, summary: Summary): Promise<void> {
  await mkdir(path.dirname(historyFile), { recursive: true });
  await appendFile(historyFile, `${JSON.stringify(historyEntryOf(summary))}\n`);
}

/** Entries in file order; a missing file is an empty history; torn or foreign lines are skipped. */
export async function readHistory(historyFile: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(historyFile, 'utf8');
  } catch {
    return [];
  }
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e.runId === 'string' && Array.isArray(e.redlines)) out.push(e);
    } catch {
      /* torn line */
    }
  }
  return out;
}
