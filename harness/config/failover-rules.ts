// The failover section of a cluster file: each lost DC and each DC taking its traffic exist, none takes
// its own traffic, and the shares add up to 1.
import type { RuleProblem } from './rule-problem';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkFailover(raw: Record<string, unknown>, dcNames: ReadonlySet<string>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (isObject(raw.failover)) {
    for (const [lost, targets] of Object.entries(raw.failover)) {
      if (!dcNames.has(lost))
        problems.push({
          path: ['failover', lost],
          value: lost,
          expected: `a data center of this file (${[...dcNames].join(', ')})`,
          problem: `unknown data center '${lost}'`,
        });
      if (!isObject(targets)) continue;
      let sum = 0;
      let allNumbers = true;
      for (const [to, share] of Object.entries(targets)) {
        if (to === lost)
          problems.push({
            path: ['failover', lost, to],
            value: to,
            expected: 'another data center (a lost DC cannot take its own traffic)',
            problem: `'${lost}' fails over to itself`,
          });
        else if (!dcNames.has(to))
          problems.push({
            path: ['failover', lost, to],
            value: to,
            expected: `a data center of this file (${[...dcNames].join(', ')})`,
            problem: `unknown data center '${to}'`,
          });
        if (typeof share === 'number') sum += share;
        else allNumbers = false;
      }
      if (allNumbers && Object.keys(targets).length && Math.abs(sum - 1) > 1e-6) {
        problems.push({
          path: ['failover', lost],
          value: targets,
          expected: `shares that add up to 1 (they add up to ${+sum.toFixed(6)})`,
        });
      }
    }
  }
  return problems;
}
