// The run's overview: its facts (id, scenario, cluster, times, run.json's scalars) and the section the
// run opens with: a tile per redline, DC loss and drain; the server types, DCs and thresholds.
import type { StepRecord, Summary } from '../results';
import type { SectionSpec, Tile } from './page-spec';
import { money, num, pct, r } from './view-format';

const fmtTime = (iso: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '–');

export function runFacts(summary: Summary, steps: StepRecord[], run: Record<string, unknown>): [string, string][] {
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const durationS = (Date.parse(summary.endedAt) - Date.parse(summary.startedAt)) / 1000;

  const facts: [string, string][] = [
    ['run', summary.runId],
    ['scenario', `${summary.scenario} (${summary.scenarioFile})`],
    [
      'cluster',
      `${summary.cluster.name}: ${dcs.length} DC(s), ${summary.cluster.dcs.reduce((s, d) => s + Object.values(d.pools).reduce((a, b) => a + b, 0), 0)} replicas`,
    ],
    ['started', fmtTime(summary.startedAt)],
    ['ended', fmtTime(summary.endedAt)],
    [
      'duration',
      Number.isFinite(durationS) ? `${Math.floor(durationS / 60)} min ${Math.round(durationS % 60)} s` : '–',
    ],
    ['steps', String(steps.length)],
  ];
  // run.json is the drill's; show its scalar facts, one level of nesting flattened (git.commit, versions.node).
  const shown = new Set([
    'runId',
    'startedAt',
    'endedAt',
    'status',
    'scenario.name',
    'scenario.file',
    'cluster.name',
    'cluster.replicas',
  ]);
  const addFact = (k: string, v: unknown) => {
    if (shown.has(k) || v === null || v === undefined || v === '') return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') facts.push([k, String(v)]);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) facts.push([k, v.join(' ')]);
  };
  for (const [k, v] of Object.entries(run)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v)) addFact(`${k}.${k2}`, v2);
    else addFact(k, v);
  }
  return facts;
}

export function overviewSection(summary: Summary, types: string[]): SectionSpec {
  return {
    id: 'overview',
    title: 'Run',
    tiles: [
      ...summary.redlines.map(
        (res): Tile => ({
          label: `${res.serverType} redline`,
          value: res.rpsPerReplica === null ? 'none' : `${num(res.rpsPerReplica)} req/s`,
          detail: `per replica · ${res.limitedBy}`,
          tone: res.rpsPerReplica === null ? 'bad' : 'neutral',
        }),
      ),
      ...(summary.failovers.length
        ? [
            {
              label: 'DC losses survived',
              value: `${summary.failovers.filter((f) => f.held).length} of ${summary.failovers.length}`,
              detail: summary.failovers.map((f) => `${f.lostDc} ${f.held ? '✓' : '✗'}`).join(' · '),
              tone: summary.failovers.every((f) => f.held) ? 'good' : 'bad',
            } as Tile,
          ]
        : []),
      ...summary.drains.map(
        (d): Tile => ({
          label: `drain toward ${d.target.name}`,
          value: pct(d.heldShare, 0),
          detail: 'of global traffic held',
          tone: 'neutral',
        }),
      ),
    ],
    tables: [
      {
        title: 'Server types',
        columns: ['type', 'CPU', 'memory MB', 'workers', '$/h'],
        rows: types.map((t) => {
          const s = summary.cluster.serverTypes[t];
          return [t, s.cpus, s.memoryMb, s.workers, money(s.costPerHour)];
        }),
      },
      {
        title: 'Data centers',
        columns: ['DC', 'region', 'demand', ...types.map((t) => `${t} replicas`)],
        rows: summary.cluster.dcs.map((d) => [
          d.name,
          d.region,
          pct(d.demand, 0),
          ...types.map((t) => d.pools[t] ?? 0),
        ]),
      },
      {
        title: 'Thresholds over the run',
        columns: ['threshold', 'value', 'ok'],
        rows: Object.entries(summary.thresholds).map(([k, v]) => [
          k,
          v.value === null ? null : r(v.value, 4),
          v.ok ? 'yes' : 'no',
        ]),
      },
    ].filter((t) => t.rows.length > 0),
    charts: [],
  };
}
