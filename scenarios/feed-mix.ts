// The traffic mix the shipped scenarios share: a social feed tier's reads and likes, mostly HTTP,
// a share over gRPC. Users follow a Zipf law (a few hot users), like production feeds.
import * as path from 'node:path';
import type { ScenarioMix } from '../harness/drill';

export const feedMix: ScenarioMix = {
  endpoints: [
    { name: 'feed', weight: 80, protocol: 'http', path: '/feed?user={{user}}' },
    {
      name: 'feed-grpc',
      weight: 10,
      protocol: 'grpc',
      proto: path.join(__dirname, '..', 'clusters', 'reference', 'feed.proto'),
      service: 'headroom.feed.v1.Feed',
      method: 'GetFeed',
      message: { user: '{{user}}', limit: 20 },
    },
    {
      name: 'like',
      weight: 10,
      protocol: 'http',
      method: 'POST',
      path: '/like',
      headers: { 'content-type': 'application/json' },
      body: '{"user":{{user}},"post":{{post}}}',
    },
  ],
  params: {
    user: { kind: 'zipf', min: 1, max: 100000, s: 1.1 },
    post: { kind: 'uniform', min: 1, max: 1000000 },
  },
};

/** The guards of the shipped scenarios: what "healthy" means for one pool, on a 5 s sliding window. */
export const feedGuards = {
  http_req_duration: [{ threshold: 'p(99)<250', window: '5s' }],
  http_req_failed: [{ threshold: 'rate<0.01', window: '5s' }],
  cpu_share: [{ threshold: 'avg<0.9', window: '5s' }],
};
