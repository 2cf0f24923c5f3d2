// The second Docker daemon of the multi-host tests (second-docker.sh): started when it does not
// answer yet, and stopped at the end only by the test that started it.
import { execFile } from 'node:child_process';
import path from 'node:path';

const script = path.join(__dirname, 'second-docker.sh');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

/** Not root and no second daemon running: the multi-host tests cannot run here. */
export class NotRoot extends Error {}

export interface SecondDocker {
  /** `unix:///run/headroom-docker2.sock` */
  dockerHost: string;
  /** True when this process started the daemon (and so `stop` stops it). */
  startedHere: boolean;
  /** The docker CLI against this daemon. */
  docker(args: string[]): Promise<string>;
  /** Stops the daemon if this process started it; safe to call twice. */
  stop(): Promise<void>;
}

/** Where a daemon of its own keeps its socket, data and exec root (a test that stops its daemon needs its own). */
export interface SecondDockerPlace {
  /** e.g. /run/headroom-docker2.sock */
  socket: string;
  /** e.g. /var/lib/headroom-docker2 (its data root is `<dir>/data`, its log `<dir>/dockerd.log`) */
  dir: string;
  /** e.g. /run/headroom-docker2 (its pidfile is `<execRoot>.pid`) */
  execRoot: string;
}

const sharedPlace: SecondDockerPlace = {
  socket: '/run/headroom-docker2.sock',
  dir: '/var/lib/headroom-docker2',
  execRoot: '/run/headroom-docker2',
};

export async function secondDocker(place: SecondDockerPlace = sharedPlace): Promise<SecondDocker> {
  const dockerHost = `unix://${place.socket}`;
  const env = {
    ...process.env,
    HEADROOM_DOCKER2_SOCK: place.socket,
    HEADROOM_DOCKER2_DIR: place.dir,
    HEADROOM_DOCKER2_EXEC_ROOT: place.execRoot,
  };
  const docker = (args: string[]) => run('docker', ['-H', dockerHost, ...args]);
  const answering = await docker(['info', '--format', '{{.ID}}']).then(
    () => true,
    () => false,
  );
  if (!answering && process.getuid?.() !== 0) {
    throw new NotRoot(
      `no second Docker daemon answers at ${dockerHost} and only root may start one (sudo bash ${script} start)`,
    );
  }
  if (!answering) await run('bash', [script, 'start'], env);
  let stopped = answering;
  return {
    dockerHost,
    startedHere: !answering,
    docker,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run('bash', [script, 'stop'], env);
    },
  };
}
