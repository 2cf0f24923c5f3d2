// A scenario's guards and whole-run thresholds, parsed once when it is resolved: k6 syntax, each problem
// named by the scenario's own field (`guards.cpu_share[0]`, not `thresholds...`). The checks against the
// cluster, the drill and the exports read the parsed list; nothing parses an expression again.
import { ConfigError, ConfigErrors } from '../common';
import { parseThresholds, type Threshold, type ThresholdInput } from '../metrics';

/** The parsed list, or none and the problems (a list with a bad entry is never half used). */
export function parseScenarioThresholds(
  spec: Record<string, ThresholdInput[]>,
  file: string,
  field: 'guards' | 'thresholds',
): { parsed: Threshold[]; problems: ConfigError[] } {
  try {
    return { parsed: parseThresholds(spec, file), problems: [] };
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    const problems = err.problems.map(
      (p) => new ConfigError(p.file, p.field.replace(/^thresholds/, field), p.problem, p.hint),
    );
    return { parsed: [], problems };
  }
}
