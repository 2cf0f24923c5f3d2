// Steps a fault cut short: a replica marked out or in during a step (dead, refusing connections, back) makes
// its failures the cluster's, not a capacity figure. Drains and DC losses repeat such a step with the servers
// still serving, and end the drill (ClusterError, exit 110, naming the servers and why) when a DC or pool the
// step sends traffic to has none left, or when the step keeps faulting.
import { ClusterError } from '../common';
import type { StepOutcome, StepPlan } from './step';
import type { DrillContext } from './drill-context';
import type { Weights } from './traffic-plan';

/** Faulted attempts at one step before the drill gives up on it. */
export const maxFaultedAttempts = 3;
const hint =
  'a server marked out for a fault is marked back in once it answers its health check; bring it back and run the drill again';

/**
 * Throws a ClusterError when a DC (or, with pool weights, a pool) that `weights` send traffic to has no serving
 * replica: the router would move its share elsewhere, and the step would not be the one planned.
 */
export function requireServing(ctx: DrillContext, what: string, weights: Weights): void {
  const { ctrl, cluster } = ctx;
  for (const [dc, share] of Object.entries(weights.dcs)) {
    if (!(share > 0)) continue;
    const types = weights.pools?.[dc];
    const groups = types
      ? Object.entries(types)
          .filter(([, w]) => w > 0)
          .map(([type]) => ({
            label: `pool ${dc}/${type}`,
            members: cluster.replicas.filter((r) => r.dc === dc && r.serverType === type),
          }))
      : [{ label: `dc ${dc}`, members: cluster.replicas.filter((r) => r.dc === dc) }];
    for (const { label, members } of groups) {
      if (!members.length || members.some((r) => !ctrl.markedOut.has(r.name))) continue;
      const why = members.map((r) => `${r.name}: ${ctrl.markedOut.get(r.name)}`).join('; ');
      throw new ClusterError(
        `${what}: every server of ${label} is marked out (${why}): the drill cannot go on`,
        members[0].name,
        undefined,
        hint,
      );
    }
  }
}

/**
 * Runs a step (repeating it while unstable, `repeats` times) until an attempt is not faulted; before each
 * attempt every DC or pool the step loads must still have a serving replica. The outcome is never faulted.
 */
export async function runUnfaulted(
  ctx: DrillContext,
  what: string,
  plan: StepPlan,
  repeats: number,
): Promise<StepOutcome & { attempts: number }> {
  let attempts = 0;
  let cause = '';
  for (let faulted = 0; ; ) {
    requireServing(ctx, what, plan.weights);
    const repeat = `repeat ${faulted} of a faulted step (${cause}), with the servers still serving`;
    const out = await ctx.ctrl.runRepeating(
      faulted > 0 ? { ...plan, annotations: [...(plan.annotations ?? []), repeat] } : plan,
      repeats,
    );
    attempts += out.attempts;
    if (!out.faulted) return { ...out, attempts };
    if (++faulted >= maxFaultedAttempts)
      throw new ClusterError(
        `${what}: ${faulted} attempts at the same step faulted in a row (last: ${out.faulted}): no verdict can be drawn`,
        undefined,
        undefined,
        hint,
      );
    cause = out.faulted;
    ctx.logger.warn(`${what}: a step faulted (${cause}); repeated with the servers still serving`);
  }
}
