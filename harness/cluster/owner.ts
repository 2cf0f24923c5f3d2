// Who holds a cluster: every container carries its owner (run id, host name, pid and the pid's start
// time). A live owner's containers are never leftovers; only a dead owner's are removed by the next up.
import * as fs from 'node:fs';
import { ClusterError } from '../common';
import * as os from 'node:os';

export interface Owner {
  runId: string;
  /** os.hostname() of the process that started the containers. */
  host: string;
  pid: number;
  /** Start time of that pid (field 22 of /proc/<pid>/stat, clock ticks since boot): tells pid reuse apart. */
  pidStart?: string;
  /** When the containers were started (ISO); the stale limit of an owner on another host counts from it. */
  since: string;
}

export const ownerLabel = {
  host: 'headroom.owner.host',
  pid: 'headroom.owner.pid',
  pidStart: 'headroom.owner.pidstart',
  since: 'headroom.owner.since',
} as const;

/**
 * How long an owner on another host counts as live without a way to ask it (its pid is not ours to
 * check): 24 hours after its containers started. A drill longer than that from another host is not
 * protected; one whose host died holds the cluster until then, or until `headroom down --force`.
 */
export const otherHostStaleMs = 24 * 3600_000;

/** What this machine can tell about a pid (injected so the rules are tested without real processes). */
export interface ProcessProbe {
  hostname: string;
  /** This process's pid. */
  self: number;
  now: number;
  /** false: no such process; true: it exists (or may: no /proc and kill(pid, 0) said EPERM). */
  alive(pid: number): boolean;
  /** The pid's start time (see Owner.pidStart), undefined when unreadable. */
  startOf(pid: number): string | undefined;
  /** The pid's command line (NUL-separated in /proc), undefined when unreadable. */
  cmdlineOf(pid: number): string | undefined;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count from its last ')'. */
export function startTimeOfStat(stat: string): string | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

export const localProbe = (): ProcessProbe => ({
  hostname: os.hostname(),
  self: process.pid,
  now: Date.now(),
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startOf(pid) {
    const stat = readProc(pid, 'stat');
    return stat ? startTimeOfStat(stat) : undefined;
  },
  cmdlineOf: (pid) => readProc(pid, 'cmdline')?.split('\0').join(' '),
});

/** The owner this process writes on the containers of run `runId`. */
export function currentOwner(runId: string, probe: ProcessProbe = localProbe()): Owner {
  const pidStart = probe.startOf(probe.self);
  return {
    runId,
    host: probe.hostname,
    pid: probe.self,
    ...(pidStart ? { pidStart } : {}),
    since: new Date(probe.now).toISOString(),
  };
}

export function ownerLabels(o: Owner): Record<string, string> {
  return {
    [ownerLabel.host]: o.host,
    [ownerLabel.pid]: String(o.pid),
    ...(o.pidStart ? { [ownerLabel.pidStart]: o.pidStart } : {}),
    [ownerLabel.since]: o.since,
  };
}

/** The owner written on a container; undefined for containers of headroom before owners (always leftovers). */
export function ownerOf(labels: Record<string, string>, runLabel: string): Owner | undefined {
  const pid = Number(labels[ownerLabel.pid]);
  const host = labels[ownerLabel.host];
  if (!host || !Number.isInteger(pid) || pid <= 0) return undefined;
  const pidStart = labels[ownerLabel.pidStart];
  return {
    runId: labels[runLabel] ?? '',
    host,
    pid,
    ...(pidStart ? { pidStart } : {}),
    since: labels[ownerLabel.since] ?? '',
  };
}

export const sameOwner = (a: Owner, b: Owner) => a.runId === b.runId && a.host === b.host && a.pid === b.pid;

/**
 * Is the process that started these containers still there? On this host: the pid exists and is the
 * same process (same start time), or, with no start time to compare, its command line names headroom
 * (a pid reused by another program is dead to us). This very process is always live. On another host:
 * live until otherHostStaleMs after `since`.
 */
export function ownerIsLive(o: Owner, probe: ProcessProbe, staleMs = otherHostStaleMs): boolean {
  if (o.host !== probe.hostname) {
    const since = Date.parse(o.since);
    return !Number.isFinite(since) || probe.now - since < staleMs;
  }
  const start = probe.startOf(o.pid);
  if (o.pid === probe.self) return !o.pidStart || !start || start === o.pidStart;
  if (!probe.alive(o.pid)) return false;
  if (o.pidStart && start) return start === o.pidStart;
  const cmdline = probe.cmdlineOf(o.pid);
  return cmdline === undefined || /headroom/.test(cmdline);
}

export function describeOwner(o: Owner): string {
  return `run ${o.runId || '(no run id)'} (host ${o.host}, pid ${o.pid}${o.since ? `, since ${o.since}` : ''})`;
}

export interface Holding {
  owner: Owner;
  containers: number;
}

/**
 * Splits a cluster's containers into those held by a live owner that is not the caller (grouped by
 * owner) and the rest, which the caller may remove: its own (`mine`), a dead owner's, and those of
 * headroom before owners.
 */
export function sortByOwner<T>(
  found: T[],
  labelsOf: (c: T) => Record<string, string>,
  mine: (o: Owner) => boolean,
  runLabel: string,
  probe: ProcessProbe,
  staleMs = otherHostStaleMs,
): { held: Holding[]; removable: T[] } {
  const held = new Map<string, Holding>();
  const removable: T[] = [];
  for (const c of found) {
    const o = ownerOf(labelsOf(c), runLabel);
    if (!o || mine(o) || !ownerIsLive(o, probe, staleMs)) {
      removable.push(c);
      continue;
    }
    const key = `${o.runId}\u0000${o.host}\u0000${o.pid}`;
    const h = held.get(key) ?? { owner: o, containers: 0 };
    h.containers++;
    held.set(key, h);
  }
  return { held: [...held.values()], removable };
}

/** Exit 110: the cluster is another run's; names that run, its host and pid, and how to take the cluster anyway. */
export function heldError(
  cluster: string,
  file: string,
  held: Holding[],
  nothing: string,
  staleMs = otherHostStaleMs,
): ClusterError {
  const who = held.map((h) => `${describeOwner(h.owner)}: ${h.containers} container${h.containers === 1 ? '' : 's'}`);
  return new ClusterError(
    `cluster ${cluster} is in use by ${who.join('; ')}; ${nothing}`,
    undefined,
    undefined,
    'wait for that run to end, or use another cluster name; if its process is gone ' +
      `(a run on another host counts as live for ${staleMs / 3600_000} h), ` +
      `\`headroom down --force ${file}\` removes its containers`,
  );
}
