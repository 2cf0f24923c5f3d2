// The watchdog process (started detached by watchdog.ts): `watchdog-main.ts <runDir> <heartbeat> <seconds>`.
// When the heartbeat file is older than <seconds> (or never appears), it restores the run's saved
// edge weights, writes edge-watchdog.json and exits; SIGTERM ends it without touching anything.
import { renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { watchdogReportFile } from './watchdog';
import { restoreFromFile } from './weights-file';

async function main(): Promise<number> {
  const [runDir, heartbeat, secondsText] = process.argv.slice(2);
  const timeoutMs = Number(secondsText) * 1000;
  if (!runDir || !heartbeat || !(timeoutMs > 0)) {
    process.stderr.write('usage: watchdog-main.ts <runDir> <heartbeatFile> <seconds>\n');
    return 2;
  }
  const started = Date.now();
  process.on('SIGTERM', () => process.exit(0));
  for (;;) {
    let last = started;
    try {
      last = Math.max(started, statSync(heartbeat).mtimeMs);
    } catch {
      // no heartbeat yet: counted from the watchdog's start
    }
    const silentMs = Date.now() - last;
    if (silentMs > timeoutMs) {
      process.stdout.write(
        `${new Date().toISOString()} heartbeat silent for ${(silentMs / 1000).toFixed(1)} s: restoring the edge weights\n`,
      );
      for (let attempt = 1; ; attempt++) {
        try {
          const reported = await restoreFromFile(runDir);
          const report = path.join(runDir, watchdogReportFile);
          writeFileSync(
            `${report}.tmp`,
            `${JSON.stringify(
              { restoredAt: new Date().toISOString(), silentSeconds: silentMs / 1000, reported },
              null,
              2,
            )}\n`,
          );
          renameSync(`${report}.tmp`, report);
          process.stdout.write(`${new Date().toISOString()} restored ${reported.length} server weights\n`);
          return 0;
        } catch (err) {
          process.stdout.write(
            `${new Date().toISOString()} restore attempt ${attempt} failed: ${(err as Error).message}\n`,
          );
          if (attempt >= 30) return 1;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

main().then((code) => process.exit(code));
