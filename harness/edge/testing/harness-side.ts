// Test helper: plays the harness of a drill on an edge (weights saved, heartbeat, watchdog, then a
// drain of the first DC), prints `ready <watchdog pid>` and waits to be killed.
// Usage: harness-side.ts <runDir> <runtime url> <watchdog seconds>
import path from 'node:path';
import { RuntimeClient } from '../runtime';
import { parseRuntimeAddress } from '../runtime-address';
import { heartbeatFileName, startHeartbeat, startWatchdog } from '../watchdog';
import { saveWeights } from '../weights-file';

async function main() {
  const [runDir, url, seconds] = process.argv.slice(2);
  const client = new RuntimeClient(parseRuntimeAddress(url));
  const snapshot = await client.snapshotWeights();
  saveWeights(runDir, snapshot);
  startHeartbeat(path.join(runDir, heartbeatFileName), 200);
  const watchdog = startWatchdog(runDir, { timeoutSeconds: Number(seconds) });
  const first = snapshot.servers[0];
  await client.setWeights(
    snapshot.servers.map((s) => ({
      backend: s.backend,
      server: s.server,
      weight: s.server === first.server ? 0 : 256,
    })),
  );
  process.stdout.write(`ready ${watchdog.pid}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
