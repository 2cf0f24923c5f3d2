// What a person sees while a drill runs: on a TTY one block redrawn each second (drill, probe, rate,
// weights, p99, errors, CPU per pool, guards); elsewhere (CI, a pipe) one plain line per step.
import type { DrillKind, StepRecord } from '../results';
import type { Weights } from './traffic-plan';

/** What the TTY block shows, refreshed each second by the controller while a step runs. */
export interface LiveState {
  drill: string;
  step: number;
  phase: 'settle' | 'measure';
  kind: DrillKind;
  target: string;
  rateRps: number;
  weights: Weights;
  p99Ms: number | null;
  errorRate: number;
  rps: number;
  cpuByPool: Record<string, number | null>;
  guards: { name: string; ok: boolean | null; value: number | null }[];
  markedOut: string[];
  elapsedMs: number;
}

export interface LiveView {
  /** False when update() would draw nothing (plain lines): the state is then not computed. */
  readonly live: boolean;
  update(state: LiveState): void;
  stepEnded(record: StepRecord): void;
  message(text: string): void;
  close(): void;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${x.toFixed(1)}ms`);

export function stepLine(r: StepRecord): string {
  const f = r.targetFigures;
  const per = r.offeredRpsPerReplica !== undefined ? ` (${r.offeredRpsPerReplica}/replica)` : '';
  const share = r.targetShare !== undefined ? ` share ${pct(r.targetShare)}` : '';
  const lost = r.lostDc ? ` lost ${r.lostDc}` : '';
  const broke = r.guards.filter((g) => !g.ok).map((g) => `${g.name} = ${g.value ?? 'no data'}`);
  const notes = r.annotations.length ? ` | ${r.annotations.join('; ')}` : '';
  return (
    `[${r.drill} #${r.index}] ${r.kind} ${r.target.name}${share}${lost} offered ${r.offeredRps} req/s${per}: ` +
    `${f.rps} req/s (${f.rpsPerReplica}/replica) p50 ${ms(f.p50Ms)} p99 ${ms(f.p99Ms)} err ${pct(f.errorRate)} cpu ${pct(f.cpuShare)} ` +
    `→ ${r.verdict}${broke.length ? ` (${broke.join(', ')})` : ''}${notes}`
  );
}

class PlainView implements LiveView {
  readonly live = false;
  constructor(private readonly out: Out) {}
  update(): void {}
  stepEnded(r: StepRecord): void {
    this.out.write(`${stepLine(r)}\n`);
  }
  message(text: string): void {
    this.out.write(`${text}\n`);
  }
  close(): void {}
}

class TtyView implements LiveView {
  readonly live = true;
  private lines = 0;
  private last: LiveState | null = null;
  constructor(private readonly out: Out) {}

  update(s: LiveState): void {
    this.last = s;
    this.draw();
  }

  stepEnded(r: StepRecord): void {
    this.clear();
    this.out.write(`${stepLine(r)}\n`);
    this.draw();
  }

  message(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  close(): void {
    this.clear();
    this.last = null;
  }

  private clear(): void {
    if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[0J`);
    this.lines = 0;
  }

  private draw(): void {
    const s = this.last;
    if (!s) return;
    this.clear();
    const width = this.out.columns && this.out.columns > 20 ? this.out.columns - 1 : 160;
    const weights = Object.entries(s.weights.dcs)
      .map(([dc, w]) => `${dc} ${pct(w)}`)
      .join('  ');
    const cpu = Object.entries(s.cpuByPool)
      .map(([p, c]) => `${p} ${pct(c)}`)
      .join('  ');
    const guards = s.guards.map(
      (g) =>
        `  ${g.ok === null ? '·' : g.ok ? '✓' : '✗'} ${g.name}${g.value !== null ? ` = ${+g.value.toFixed(3)}` : ''}`,
    );
    const rows = [
      `drill ${s.drill}  step #${s.step} ${s.kind} → ${s.target}  ${s.phase} ${(s.elapsedMs / 1000).toFixed(0)}s`,
      `rate ${s.rateRps.toFixed(1)} req/s offered, ${s.rps.toFixed(1)} achieved   p99 ${ms(s.p99Ms)}   errors ${pct(s.errorRate)}`,
      `weights ${weights}`,
      `cpu ${cpu || '-'}`,
      `guards${guards.length ? '' : ' -'}`,
      ...guards,
      ...(s.markedOut.length ? [`out ${s.markedOut.join(', ')}`] : []),
    ].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    this.out.write(`${rows.join('\n')}\n`);
    this.lines = rows.length;
  }
}

export function liveView(out: Out, tty = out.isTTY === true): LiveView {
  return tty ? new TtyView(out) : new PlainView(out);
}
