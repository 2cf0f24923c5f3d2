import type { ResolvedDrill } from '../config';
import { demandWeights, redlinePools } from './traffic-plan';
import type { DrillContext } from './drill-context';
import { sweep } from './probe-drills';
import { redline } from './redline-drill';
import { drain, loseDc } from './traffic-drills';

export type { DrillContext, DrillResults } from './drill-context';

export async function runDrillSpec(ctx: DrillContext, drill: ResolvedDrill): Promise<void> {
  switch (drill.kind) {
    case 'redline':
      for (const pool of redlinePools(ctx.cluster, drill)) ctx.results.redlines.push(await redline(ctx, drill, pool));
      break;
    case 'sweep':
      for (const pool of redlinePools(ctx.cluster, drill)) {
        const r = await sweep(ctx, drill, pool);
        if (r) ctx.results.sweeps.push(r);
      }
      break;
    case 'drain':
      ctx.results.drains.push(await drain(ctx, drill));
      break;
    case 'lose-dc':
      for (const dc of drill.dc === 'each' ? ctx.cluster.dcs.map((d) => d.name) : [drill.dc])
        ctx.results.failovers.push(await loseDc(ctx, drill, dc));
      break;
    case 'hold':
      await hold(ctx, drill);
      break;
  }
  // Between drills: demand weights, no load.
  ctx.ctrl.apply(demandWeights(ctx.cluster), 0);
}

async function hold(ctx: DrillContext, drill: Extract<ResolvedDrill, { kind: 'hold' }>): Promise<void> {
  for (let i = 0; i < drill.steps; i++) {
    await ctx.ctrl.runStep({
      drill: drill.name,
      kind: 'hold',
      target: { kind: 'region', name: 'all' },
      offeredRps: drill.totalRps,
      expectedTargetRps: drill.totalRps,
      weights: demandWeights(ctx.cluster),
      settleMs: i === 0 ? drill.settleMs : 0,
      measureMs: drill.measureMs,
      targetFilter: {},
      guardTargets: [{ label: 'all', filter: {} }],
    });
  }
}
