// A real dockerode engine that counts the builds and pulls it is asked for: how the docker tests
// see that an unchanged build context is never rebuilt.
import { dockerEngine } from '../docker-engine';
import type { ContainerEngine } from '../engine';

export interface CountingEngine extends ContainerEngine {
  builds: string[];
  pulls: string[];
}

export function countingEngine(): CountingEngine {
  const inner = dockerEngine();
  const builds: string[] = [];
  const pulls: string[] = [];
  return Object.assign(Object.create(inner) as ContainerEngine, {
    daemon: inner.daemon,
    builds,
    pulls,
    buildImage(context: NodeJS.ReadableStream, tag: string, buildArgs?: Record<string, string>) {
      builds.push(tag);
      return inner.buildImage(context, tag, buildArgs);
    },
    pullImage(ref: string) {
      pulls.push(ref);
      return inner.pullImage(ref);
    },
  });
}
