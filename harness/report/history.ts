// reports/history.ndjson: one line per drill with its redlines and CPU per request, so the
// report can show each server type's redline over past runs.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Summary } from '../drill/records';

export interface HistoryEntry {
  runId: string;
  endedAt: string;
  scenario: string;
  cluster: string;
  status: Summary['status'];
  /** Per server type: the lowest redline of the run (null when no load held) and its CPU per request. */
  redlines: { serverType: string; rpsPerReplica: number | null; cpuMsPerRequest: number | null }[];
}

export function historyEntryOf(summary: Summary): HistoryEntry {
  const byType = new Map<string, { rpsPerReplica: number | null; cpuMsPerRequest: number | null }>();
  const typed = new Set(summary.redlines.map((r) => r.serverType));
  for (const r of [...summary.redlines, ...summary.sweeps.filter((s) => !typed.has(s.serverType))]) {
    const prev = byType.get(r.serverType);
    if (!prev || (r.rpsPerReplica ?? -1) < (prev.rpsPerReplica ?? -1)) byType.set(r.serverType, { rpsPerReplica: r.rpsPerReplica, cpuMsPerRequest: r.cpuMsPerRequest });
  }
  return {
    runId: summary.runId, endedAt: summary.endedAt, scenario: summary.scenario, cluster: summary.cluster.name, status: summary.status,
    redlines: [...byType].sort(([a], [b]) => a.localeCompare(b)).map(([serverType, v]) => ({ serverType, ...v })),
  };
}

/** Appends the run's line; creates the file and its folder when missing. */
export async function appendHistory(historyFile: string, summary: Summary): Promise<void> {
  await mkdir(path.dirname(historyFile), { recursive: true });
  await appendFile(historyFile, JSON.stringify(historyEntryOf(summary)) + '\n');
}

/** Entries in file order; a missing file is an empty history; torn or foreign lines are skipped. */
export async function readHistory(historyFile: string): Promise<HistoryEntry[]> {
  let text: string;
  try { text = await readFile(historyFile, 'utf8'); } catch { return []; }
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e.runId === 'string' && Array.isArray(e.redlines)) out.push(e);
    } catch { /* torn line */ }
  }
  return out;
}
