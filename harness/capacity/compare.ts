// Two runs side by side: did a server type's redline fall, or its CPU per request rise, by more
// than the limit? The CI gate of a drill (`headroom compare`, `make drill BASELINE=...`).
import { lowestRedlines, type Summary } from '../results';

export interface TypeComparison {
  serverType: string;
  /** Redline (req/s per replica) in the baseline run a and the new run b; null = not measured or no load held. */
  redlineA: number | null;
  redlineB: number | null;
  /** (b - a) / a; null when either side is missing. -1 when b's lowest probe already broke. */
  redlineChange: number | null;
  cpuMsPerRequestA: number | null;
  cpuMsPerRequestB: number | null;
  cpuChange: number | null;
  regressed: boolean;
  /** Why it regressed, or why it could not be compared. */
  notes: string[];
}

export interface Comparison {
  runA: string;
  runB: string;
  maxDrop: number;
  types: TypeComparison[];
  /** Server types that regressed, in order. */
  regressed: string[];
}

interface TypeFigures { redline: number | null; cpuMs: number | null; measured: boolean }

/** Per server type: its redline by the one rule (results' lowestRedlines) and the CPU per request at it. */
function figuresOf(summary: Summary): Map<string, TypeFigures> {
  return new Map(lowestRedlines(summary).map((r) => [r.serverType, { redline: r.rpsPerReplica, cpuMs: r.cpuMsPerRequest, measured: true }]));
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Compares run b against the baseline a; maxDrop is a share (0.05 = 5%). Pure. */
export function compareRuns(a: Summary, b: Summary, maxDrop: number): Comparison {
  const fa = figuresOf(a);
  const fb = figuresOf(b);
  const types = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const rows: TypeComparison[] = types.map((serverType) => {
    const ra = fa.get(serverType);
    const rb = fb.get(serverType);
    const notes: string[] = [];
    let regressed = false;
    const redlineA = ra?.redline ?? null;
    const redlineB = rb?.redline ?? null;
    let redlineChange: number | null = null;
    if (!ra) notes.push('not measured in the baseline');
    else if (!rb) notes.push('not measured in this run');
    else if (redlineA === null) notes.push('no load held in the baseline');
    else if (redlineB === null) {
      redlineChange = -1;
      regressed = true;
      notes.push(`redline fell from ${redlineA} req/s to none: the lowest probe broke a guard`);
    } else {
      redlineChange = (redlineB - redlineA) / redlineA;
      if (redlineChange < -maxDrop - 1e-12) {
        regressed = true;
        notes.push(`redline fell ${pct(redlineChange)} (${redlineA} -> ${redlineB} req/s per replica), more than the ${(maxDrop * 100).toFixed(1)}% allowed`);
      }
    }
    const cpuA = ra?.cpuMs ?? null;
    const cpuB = rb?.cpuMs ?? null;
    let cpuChange: number | null = null;
    if (cpuA !== null && cpuB !== null && cpuA > 0) {
      cpuChange = (cpuB - cpuA) / cpuA;
      if (cpuChange > maxDrop + 1e-12) {
        regressed = true;
        notes.push(`CPU per request rose ${pct(cpuChange)} (${cpuA.toFixed(3)} -> ${cpuB.toFixed(3)} ms), more than the ${(maxDrop * 100).toFixed(1)}% allowed`);
      }
    }
    return { serverType, redlineA, redlineB, redlineChange, cpuMsPerRequestA: cpuA, cpuMsPerRequestB: cpuB, cpuChange, regressed, notes };
  });
  return { runA: a.runId, runB: b.runId, maxDrop, types: rows, regressed: rows.filter((r) => r.regressed).map((r) => r.serverType) };
}
