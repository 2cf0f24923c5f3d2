// An edge as a container: the generated config is checked by HAProxy, baked into headroom-edge:<hash>,
// and run with host networking and headroom's labels; ready when its runtime API answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildContext, clusterLabels, type ContainerEngine } from '../cluster';
import { ClusterError, ConfigError } from '../common';
import { checkConfig } from './check';
import { edgeConfigRecipe, haproxyRecipe } from './image';
import { RuntimeClient } from './runtime';
import { formatRuntimeAddress, type RuntimeAddress } from './runtime-address';

export const edgeLabel = 'headroom.edge';

export interface EdgeContainerOptions {
  engine: ContainerEngine;
  /** The container's name and the value of its `headroom.edge` label. */
  name: string;
  cluster: string;
  runId: string;
  cfgText: string;
  /** Must be TCP: a unix socket inside the container is out of the harness's reach without a mount. */
  runtime: RuntimeAddress;
  /** Where the config comes from, for errors. */
  origin: string;
  cpus?: number;
  memoryMb?: number;
  readyTimeoutMs?: number;
}

export interface RunningEdge {
  containerId: string;
  image: string;
  client: RuntimeClient;
  /** Removes the container; twice is safe. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function ensureImage(engine: ContainerEngine, recipe: ReturnType<typeof haproxyRecipe>): Promise<string> {
  if (!(await engine.imageExists(recipe.tag))) await engine.buildImage(buildContext(recipe), recipe.tag);
  return recipe.tag;
}

/** Builds the images it lacks and starts the edge; on any failure nothing is left running. */
export async function startEdgeContainer(o: EdgeContainerOptions): Promise<RunningEdge> {
  if ('path' in o.runtime) {
    throw new ConfigError(
      o.origin,
      'edge.runtime',
      `a container edge needs a TCP runtime address, got ${formatRuntimeAddress(o.runtime)}`,
      'use tcp://127.0.0.1:<port> (host networking)',
    );
  }
  await checkConfig(o.cfgText, { origin: o.origin });
  const base = await ensureImage(o.engine, haproxyRecipe());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headroom-edge-image-'));
  let image: string;
  try {
    await writeFile(path.join(dir, 'haproxy.cfg'), o.cfgText);
    image = await ensureImage(o.engine, edgeConfigRecipe(base, path.join(dir, 'haproxy.cfg'), o.cfgText));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const id = await o.engine.create({
    name: o.name,
    image,
    env: {},
    labels: { [clusterLabels.cluster]: o.cluster, [clusterLabels.run]: o.runId, [edgeLabel]: o.name },
    nanoCpus: Math.round((o.cpus ?? 1) * 1e9),
    memoryBytes: (o.memoryMb ?? 256) * 1024 * 1024,
  });
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= o.engine.remove(id));
  try {
    await o.engine.start(id);
    const client = new RuntimeClient(o.runtime, { timeoutMs: 1000 });
    const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
    for (;;) {
      const problem = await client.command('show info').then(
        (a) => (a.startsWith('Name: HAProxy') ? undefined : a.trim()),
        (err: Error) => err.message,
      );
      if (problem === undefined) break;
      const state = (await o.engine.inspect(id)).state;
      if (state !== 'running' || Date.now() > deadline) {
        const tail = await o.engine.logs(id, 30).catch(() => '');
        throw new ClusterError(
          `edge ${o.name} did not answer on its runtime API (${state}): ${problem}`,
          o.name,
          tail || '(no output)',
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { containerId: id, image, client, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
