// Silence detection on both ends of an agent stream: whoever hears nothing for `silenceMs` ends the
// session (the agent stops its load, the controller moves the agent's share to the others).

export class Watchdog {
  private last: number;
  constructor(
    public silenceMs: number,
    private readonly now: () => number,
  ) {
    if (!(silenceMs > 0)) throw new RangeError(`silenceMs must be > 0, got ${silenceMs}`);
    this.last = now();
  }

  /** Something arrived from the other end. */
  beat(): void {
    this.last = this.now();
  }

  silentForMs(): number {
    return this.now() - this.last;
  }

  expired(): boolean {
    return this.silentForMs() >= this.silenceMs;
  }

  /** How long until expiry if nothing arrives (0 when already expired): when to check next. */
  remainingMs(): number {
    return Math.max(0, this.silenceMs - this.silentForMs());
  }
}

/** The rate of each agent: equal shares, or in proportion to declared capacity; the dead get nothing. */
export function splitRate(
  total: number,
  agents: { id: string; capacity: number; alive: boolean }[],
  by: 'equal' | 'capacity',
): Map<string, number> {
  const live = agents.filter((a) => a.alive);
  const weight = (a: { capacity: number }) => (by === 'capacity' && a.capacity > 0 ? a.capacity : 1);
  const sum = live.reduce((s, a) => s + weight(a), 0);
  const out = new Map<string, number>();
  for (const a of agents) out.set(a.id, a.alive && sum > 0 ? (total * weight(a)) / sum : 0);
  return out;
}
