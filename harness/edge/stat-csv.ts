// `show stat` CSV to typed rows: the per-server figures a controller or a guard reads
// (rate, sessions, queue, responses by class, weight, status). Pure.

export type StatKind = 'frontend' | 'backend' | 'server' | 'listener';

export interface StatRow {
  proxy: string;
  /** `FRONTEND`, `BACKEND` or the server's name. */
  name: string;
  kind: StatKind;
  status: string;
  /** Effective weight (`weight`) and the weight set by the user (`uweight`, absent before 2.4). */
  weight: number | null;
  uweight: number | null;
  /** Queued requests now, sessions now, sessions per second over the last second. */
  qcur: number;
  scur: number;
  rate: number;
  /** Sessions in all (in HTTP mode a server's sessions are its requests). */
  stot: number;
  /** Times the balancer chose this server. */
  lbtot: number;
  /** HTTP requests (frontends and backends; servers report it from HAProxy 2.8, else null). */
  reqTot: number | null;
  hrsp2xx: number;
  hrsp4xx: number;
  hrsp5xx: number;
  /** Connection and response errors. */
  econ: number;
  eresp: number;
}

const kinds: Record<string, StatKind> = { '0': 'frontend', '1': 'backend', '2': 'server', '3': 'listener' };

export function parseStatCsv(text: string): StatRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`show stat: no CSV header in the answer: ${text.slice(0, 200)}`);
  const cols = header.slice(2).split(',');
  const at = new Map(cols.map((c, i) => [c, i]));
  const rows: StatRow[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const f = line.split(',');
    const str = (c: string) => (at.has(c) ? (f[at.get(c)!] ?? '') : '');
    const num = (c: string) => {
      const v = str(c);
      return v === '' ? null : Number(v);
    };
    const n0 = (c: string) => num(c) ?? 0;
    rows.push({
      proxy: str('pxname'),
      name: str('svname'),
      kind: kinds[str('type')] ?? 'listener',
      status: str('status'),
      weight: num('weight'),
      uweight: num('uweight'),
      qcur: n0('qcur'),
      scur: n0('scur'),
      rate: n0('rate'),
      stot: n0('stot'),
      lbtot: n0('lbtot'),
      reqTot: num('req_tot'),
      hrsp2xx: n0('hrsp_2xx'),
      hrsp4xx: n0('hrsp_4xx'),
      hrsp5xx: n0('hrsp_5xx'),
      econ: n0('econ'),
      eresp: n0('eresp'),
    });
  }
  return rows;
}
