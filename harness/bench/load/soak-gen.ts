// The soak's generator, in its own process so its resident set is its own: a hold at a fixed rate through
// the drill's metric path (the store with the drill's retention, the request counters, the guards read every
// second, a new step tag each minute), printing one JSON line of memory figures every sample period.
// usage: soak-gen.ts <url> <json options: rate, seconds, sampleSeconds, stepSeconds>
import type { Scenario } from '../../config';
import { buildGuards, metricsRetentionSeconds, RequestCounters } from '../../drill';
import { Metrics, parseThresholds } from '../../metrics';
import { feedGuards } from '../../../scenarios/feed-mix';
import { LoadEngine } from '../../load';
import { urlReplica } from './url-replica';

interface Opts {
  rate: number;
  seconds: number;
  sampleSeconds: number;
  stepSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [url, json] = process.argv.slice(2);
  const o = JSON.parse(json) as Opts;
  const u = new URL(url);
  const replica = urlReplica(u, 'soak');
  // What a drill with the shipped guards builds (drill/run.ts).
  const scenario: Pick<Scenario, 'parsed'> = { parsed: { guards: parseThresholds(feedGuards), thresholds: [] } };
  const metrics = new Metrics({ retainSeconds: metricsRetentionSeconds(scenario) });
  const counters = new RequestCounters(metrics);
  const guards = buildGuards(scenario, metrics, counters);
  const engine = new LoadEngine({
    replicas: [replica],
    mix: { endpoints: [{ name: 'soak', weight: 1, protocol: 'http', path: u.pathname }] },
    metrics,
    maxInFlight: 2000,
  });
  let step = 0;
  let stepStart = metrics.now();
  engine.setTags({ step: '0' });
  engine.setRate(o.rate);
  engine.start();
  const t0 = performance.now();
  const gc = (globalThis as { gc?: () => void }).gc;
  let nextSample = 0;
  let breaches = 0;
  for (let s = 0; s <= o.seconds; s++) {
    await sleep(Math.max(0, t0 + s * 1000 - performance.now()));
    if (s > 0 && s % o.stepSeconds === 0) {
      step++;
      stepStart = metrics.now();
      engine.setTags({ step: String(step) });
    }
    // As the controller does each second: every guard on the step's samples.
    for (const g of guards) if (!g.evaluate({ step: String(step) }, stepStart).ok) breaches++;
    if (s === nextSample) {
      nextSample += o.sampleSeconds;
      gc?.();
      const m = process.memoryUsage();
      const st = engine.stats();
      const kept = metrics.retained();
      process.stdout.write(
        `${JSON.stringify({ s, rssMb: m.rss / 1048576, heapMb: m.heapUsed / 1048576, buffersMb: m.arrayBuffers / 1048576, completed: st.completed, failed: st.failed, dropped: st.dropped, breaches, storedSeconds: kept.seconds, series: kept.series })}\n`,
      );
    }
  }
  engine.setRate(0);
  await engine.stop();
  counters.close();
}

main().catch((err) => {
  process.stderr.write(`soak generator failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
