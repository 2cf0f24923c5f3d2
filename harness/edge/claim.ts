// One owner at a time for someone else's HAProxy: the claim lives in the load balancer itself, as
// process-wide variables set through the runtime API, so two harnesses on two machines see the same one.
// Each claim is a generation: `proc.headroom_owner_<g>` is written once (set only when absent, in one
// command), `proc.headroom_beat_<g>` is the owner's heartbeat on HAProxy's clock, `proc.headroom_gen`
// points at the latest. A claim expires when its heartbeat is older than its owner's ttl; a reload drops it.
import os from 'node:os';
import { ClusterError } from '../common';
import type { RuntimeClient } from './runtime';

const prefix = 'proc.headroom';
const genVar = `${prefix}_gen`;
const nowVar = `${prefix}_now`;
const ownerVar = (gen: number) => `${prefix}_owner_${gen}`;
const beatVar = (gen: number) => `${prefix}_beat_${gen}`;

/** Who holds an edge: written into HAProxy by the run that claims it. */
export interface ClaimOwner {
  runId: string;
  host: string;
  pid: number;
  /** When the claim was taken (the owner's clock, ISO). */
  since: string;
  /** The claim expires this many seconds after the owner's last heartbeat. */
  ttlSeconds: number;
}

/** What HAProxy holds now: `held` by a live owner, `expired` (heartbeat too old), `released`, or `free`. */
export interface ClaimView {
  runtime: string;
  gen: number;
  state: 'free' | 'held' | 'expired' | 'released';
  owner: ClaimOwner | null;
  /** The owner's token as stored (to tell one run's claim from another's). */
  token: string | null;
  /** How long ago the last heartbeat was, on HAProxy's clock; null before the first. */
  beatAgeMs: number | null;
}

/** The token in a variable: fields joined by `|`, anything outside a safe set %-encoded (the CLI knows no quotes). */
export function encodeOwner(o: ClaimOwner): string {
  const safe = (s: string) =>
    [...Buffer.from(s, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9._:-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
      )
      .join('');
  return ['v1', o.runId, o.host, String(o.pid), o.since, String(o.ttlSeconds)].map(safe).join('|');
}

export function decodeOwner(token: string): ClaimOwner | null {
  const f = token.split('|').map((x) => {
    try {
      return decodeURIComponent(x);
    } catch {
      return x;
    }
  });
  if (f[0] !== 'v1' || f.length !== 6) return null;
  return { runId: f[1], host: f[2], pid: Number(f[3]), since: f[4], ttlSeconds: Number(f[5]) };
}

/** `run X on host H (pid P) since T, last heartbeat 1.2 s ago` */
export function describeOwner(v: ClaimView): string {
  const o = v.owner;
  const who = o ? `run ${o.runId} on host ${o.host} (pid ${o.pid}) since ${o.since}` : `an unknown owner (${v.token})`;
  const beat = v.beatAgeMs === null ? 'no heartbeat yet' : `last heartbeat ${(v.beatAgeMs / 1000).toFixed(1)} s ago`;
  return `${who}, ${beat}${o ? `, expires ${o.ttlSeconds} s after its last heartbeat` : ''}`;
}

/** Another run holds the edge: a second drill would move the same weights. */
export class EdgeClaimHeld extends ClusterError {
  constructor(readonly view: ClaimView) {
    super(
      `edge: HAProxy at ${view.runtime} is held by ${describeOwner(view)}: a second drill would move the same servers' weights`,
      undefined,
      undefined,
      `wait for that run to end; if it is gone, its claim expires by itself, or \`headroom edge release ${view.runtime}\` (or --force) frees it now`,
    );
  }
}

/** This run no longer holds the edge it drills: taken over, or HAProxy reloaded (its variables and weights reset). */
export class EdgeClaimLost extends ClusterError {}

/** The variables an answer of `get var` lines holds (absent ones are missing); any other line is HAProxy refusing. */
function parseVars(answer: string, what: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of answer.split('\n').map((l) => l.trim())) {
    if (line === '' || line === 'Variable not found.') continue;
    const m = /^(proc\.[A-Za-z0-9._]+): type=\w+ value=<(.*)>$/.exec(line);
    if (!m)
      throw new ClusterError(
        `edge: HAProxy refused ${what}: ${line}`,
        undefined,
        undefined,
        'the claim needs HAProxy 2.4 or later and a stats socket at level admin (`set var` in experimental mode)',
      );
    vars.set(m[1], m[2]);
  }
  return vars;
}

async function vars(client: RuntimeClient, commands: string[], what: string): Promise<Map<string, string>> {
  return parseVars(await client.command(...commands), what);
}

const setCommands = (...sets: string[]) => ['experimental-mode on', ...sets.map((s) => `set var ${s}`)];

/** The claim HAProxy holds now (two round trips: the generation, then its owner and heartbeat with HAProxy's clock). */
export async function readClaim(client: RuntimeClient): Promise<ClaimView> {
  const gen = Number((await vars(client, [`get var ${genVar}`], 'reading the claim')).get(genVar) ?? 0);
  return readGeneration(client, gen);
}

async function readGeneration(client: RuntimeClient, gen: number): Promise<ClaimView> {
  const runtime = client.url;
  if (!(gen > 0)) return { runtime, gen: 0, state: 'free', owner: null, token: null, beatAgeMs: null };
  const v = await vars(
    client,
    [
      ...setCommands(`${nowVar} expr date(0,ms)`),
      `get var ${nowVar}`,
      `get var ${ownerVar(gen)}`,
      `get var ${beatVar(gen)}`,
    ],
    'reading the claim',
  );
  const token = v.get(ownerVar(gen)) ?? null;
  if (token === null) return { runtime, gen, state: 'free', owner: null, token: null, beatAgeMs: null };
  const owner = decodeOwner(token);
  const beat = v.has(beatVar(gen)) ? Number(v.get(beatVar(gen))) : null;
  const now = Number(v.get(nowVar));
  const beatAgeMs = beat === null || beat === 0 ? null : Math.max(0, now - beat);
  const ttlMs = (owner?.ttlSeconds ?? 30) * 1000;
  const state = beat === 0 ? 'released' : beatAgeMs !== null && beatAgeMs > ttlMs ? 'expired' : 'held';
  return { runtime, gen, state, owner, token, beatAgeMs };
}

export interface EdgeClaim {
  readonly gen: number;
  readonly token: string;
  readonly owner: ClaimOwner;
  /** The claim it replaced (a forced takeover of a live one, an expired or released one); null when free. */
  readonly replaced: ClaimView | null;
  /** Checks that this run still holds the edge, then renews its heartbeat; throws EdgeClaimLost when it does not. */
  renew(): Promise<void>;
  /** Releases the claim when this run still holds it; true when it did. Twice is safe. */
  release(): Promise<boolean>;
}

export interface TakeClaimOptions {
  runId: string;
  ttlSeconds: number;
  /** Take it even from a live owner (that owner ends its drill at its next heartbeat). */
  force?: boolean;
  /** How long after writing the claim it is read back: longer than any two claims' writes can interleave. */
  settleMs?: number;
  host?: string;
  pid?: number;
}

/**
 * Claims the edge for one run, or throws EdgeClaimHeld naming the run that holds it. Two harnesses claiming at
 * once write the same new generation; only the first write lands (set when absent, one command inside HAProxy),
 * and each reads it back after `settleMs` before it changes any weight, so exactly one goes on.
 */
export async function takeClaim(client: RuntimeClient, o: TakeClaimOptions): Promise<EdgeClaim> {
  const view = await readClaim(client);
  if (view.state === 'held' && !o.force) throw new EdgeClaimHeld(view);
  const gen = view.gen + 1;
  const owner: ClaimOwner = {
    runId: o.runId,
    host: o.host ?? os.hostname(),
    pid: o.pid ?? process.pid,
    since: new Date().toISOString(),
    ttlSeconds: o.ttlSeconds,
  };
  const token = encodeOwner(owner);
  // The heartbeat in the same batch: a claim never stands without one (so it always can expire). A loser's
  // beat only refreshes the winner's by the moment it took to lose.
  await vars(
    client,
    setCommands(`${ownerVar(gen)} expr var(${ownerVar(gen)},${token})`, `${beatVar(gen)} expr date(0,ms)`),
    `the claim (set var ${ownerVar(gen)})`,
  );
  await new Promise((r) => setTimeout(r, o.settleMs ?? 300));
  const got = (await vars(client, [`get var ${ownerVar(gen)}`], 'reading the claim')).get(ownerVar(gen));
  if (got !== token) {
    const winner = await readGeneration(client, gen);
    throw new EdgeClaimHeld(winner.state === 'free' ? await readClaim(client) : { ...winner, state: 'held' });
  }
  await vars(client, setCommands(`${genVar} int(${gen})`), 'the claim');
  let released = false;
  const lost = (why: string) =>
    new EdgeClaimLost(
      `edge: run ${o.runId} no longer holds HAProxy at ${client.url}: ${why}`,
      undefined,
      undefined,
      'this run did not restore the weights: they are not its own any more',
    );
  /** Why this run no longer holds the edge, or null while it does. */
  const check = async (): Promise<string | null> => {
    const v = await vars(
      client,
      [`get var ${genVar}`, `get var ${ownerVar(gen)}`, `get var ${beatVar(gen)}`],
      'reading the claim',
    );
    const nowGen = Number(v.get(genVar) ?? 0);
    const mine = v.get(ownerVar(gen));
    if (mine === undefined || nowGen < gen)
      return 'HAProxy was reloaded or restarted (its variables are gone: its weights are the configured ones again)';
    if (mine !== token)
      return `HAProxy was reloaded and claimed since by ${describeOwner(await readGeneration(client, gen))}`;
    if (v.get(beatVar(gen)) === '0' && nowGen === gen)
      return 'its claim was released by someone else (`headroom edge release`)';
    if (nowGen > gen) {
      const by = await readGeneration(client, nowGen);
      return `the claim was taken over by ${describeOwner(by)} (--force, or this run's heartbeat was silent past its ${o.ttlSeconds} s)`;
    }
    return null;
  };
  return {
    gen,
    token,
    owner,
    replaced: view.state === 'free' ? null : view,
    async renew() {
      if (released) return;
      const why = await check();
      if (why) throw lost(why);
      await vars(client, setCommands(`${beatVar(gen)} expr date(0,ms)`), 'renewing the claim');
    },
    async release() {
      if (released) return false;
      if (await check()) return false;
      await vars(client, setCommands(`${beatVar(gen)} int(0)`), 'releasing the claim');
      released = true;
      return true;
    },
  };
}

/** Releases the generation `gen` when it still holds `token`: what a run folder's `edge restore` does. */
export async function releaseGeneration(client: RuntimeClient, gen: number, token: string): Promise<boolean> {
  const v = await readGeneration(client, gen);
  if (v.token !== token || v.state === 'released') return false;
  await vars(client, setCommands(`${beatVar(gen)} int(0)`), 'releasing the claim');
  return true;
}

/** Releases whatever claim HAProxy holds (`headroom edge release <runtime>`; a live owner stops at its next renewal); returns what it was. */
export async function releaseClaim(client: RuntimeClient): Promise<ClaimView> {
  const v = await readClaim(client);
  if (v.state === 'held' || v.state === 'expired')
    await vars(client, setCommands(`${beatVar(v.gen)} int(0)`), 'releasing the claim');
  return v;
}

export interface ClaimBeat {
  stop(): void;
}

/**
 * Renews the claim every `intervalMs` (never two at once). A lost claim goes to onLost once and the beat stops;
 * HAProxy not answering goes to onError (the caller decides when that is a fault), an answer to onOk.
 */
export function startClaimBeat(
  claim: EdgeClaim,
  o: { intervalMs: number; onLost(err: EdgeClaimLost): void; onError(err: Error): void; onOk?(): void },
): ClaimBeat {
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    claim
      .renew()
      .then(
        () => o.onOk?.(),
        (err: Error) => {
          if (stopped) return;
          if (err instanceof EdgeClaimLost) {
            stopped = true;
            clearInterval(timer);
            o.onLost(err);
          } else o.onError(err);
        },
      )
      .finally(() => {
        busy = false;
      });
  }, o.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The heartbeat interval for a ttl: several beats per ttl, so one late beat on a busy machine does not expire it. */
export const beatIntervalMs = (ttlSeconds: number) => Math.max(200, Math.min(2000, (ttlSeconds * 1000) / 6));
