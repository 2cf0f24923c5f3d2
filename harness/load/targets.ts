// The loopback rule: the engine sends only to 127.0.0.0/8 and ::1 unless a host is explicitly allowed.
import { ConfigError, ConfigErrors, isLoopback } from '../common';

/** Throws a ConfigError naming every host outside loopback that `allowTargets` does not list. */
export function checkTargets(
  hosts: string[],
  allowTargets: string[] = [],
  file = 'targets',
  hint = 'list the host under allowTargets in the cluster file (or pass --allow-target HOST)',
): void {
  const allowed = new Set(allowTargets.map((h) => h.replace(/^\[|\]$/g, '').toLowerCase()));
  const problems: ConfigError[] = [];
  for (const host of new Set(hosts)) {
    if (!isLoopback(host) && !allowed.has(host.replace(/^\[|\]$/g, '').toLowerCase())) {
      problems.push(
        new ConfigError(
          file,
          'host',
          `'${host}' is not a loopback address (127.0.0.0/8, ::1) and is not allowed`,
          hint,
        ),
      );
    }
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
}
