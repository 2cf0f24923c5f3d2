// Port ranges of a docker cluster: each well formed, large enough for 2 ports per replica (http and grpc),
// and no two ranges of the file overlapping.
import { type DcRef, fieldPath, type PathSegment, type RuleProblem } from './rule-problem';
import { poolEntries, tierNamesOf } from './service-rules';

export interface PortRange {
  from: number;
  to: number;
}

export function parsePortRange(text: unknown): PortRange | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) return undefined;
  return { from: Number(m[1]), to: Number(m[2]) };
}

function replicasIn(dc: Record<string, unknown>, tiers: string[]): number {
  return poolEntries(dc.pools, [], tiers).reduce<number>(
    (n, { pool: p }) => n + (typeof p === 'number' && Number.isInteger(p) && p > 0 ? p : 0),
    0,
  );
}

export function checkPorts(raw: Record<string, unknown>, dcs: DcRef[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const ranges: { path: PathSegment[]; range: PortRange; used: number }[] = [];
  const validRange = (path: PathSegment[], value: unknown): PortRange | undefined => {
    const range = parsePortRange(value);
    if (!range) return undefined; // missing or malformed: the schema reports it
    if (range.from < 1024 || range.to > 65535 || range.from > range.to) {
      problems.push({ path, value, expected: 'a range FROM-TO with 1024 ≤ FROM ≤ TO ≤ 65535' });
      return undefined;
    }
    return range;
  };
  const clusterRange = validRange(['ports'], raw.ports);
  let clusterNeed = 0;
  let someDcUsesCluster = false;
  for (const { path, dc } of dcs) {
    const need = 2 * replicasIn(dc, tierNamesOf(raw));
    if (dc.ports === undefined) {
      someDcUsesCluster = true;
      clusterNeed += need;
      continue;
    }
    const range = validRange([...path, 'ports'], dc.ports);
    if (!range) continue;
    const size = range.to - range.from + 1;
    if (size < need)
      problems.push({
        path: [...path, 'ports'],
        value: dc.ports,
        expected: `at least ${need} ports (2 per replica: http and grpc), the range holds ${size}`,
      });
    ranges.push({ path: [...path, 'ports'], range, used: need });
  }
  if (someDcUsesCluster && raw.ports === undefined) {
    problems.push({
      path: ['ports'],
      value: undefined,
      expected: 'a loopback port range like 20000-20099 (needed by every data center without its own ports)',
    });
  }
  if (clusterRange && someDcUsesCluster) {
    const size = clusterRange.to - clusterRange.from + 1;
    if (size < clusterNeed)
      problems.push({
        path: ['ports'],
        value: raw.ports,
        expected: `at least ${clusterNeed} ports (2 per replica: http and grpc), the range holds ${size}`,
      });
    ranges.unshift({ path: ['ports'], range: clusterRange, used: clusterNeed });
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = ranges[j].range;
      const b = ranges[i].range;
      if (a.from <= b.to && b.from <= a.to) {
        problems.push({
          path: ranges[i].path,
          value: `${b.from}-${b.to}`,
          expected: 'a port range no other range of the file uses',
          problem: `ports ${b.from}-${b.to} overlap ${fieldPath(ranges[j].path)} (${a.from}-${a.to})`,
        });
      }
    }
  }
  return problems;
}
