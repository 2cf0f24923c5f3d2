// The traffic of clusters/insta-stack.yaml: feeds, profiles and likes over HTTP (the managed edge is
// `mode http`), mostly reads as on Instagram; users on a Zipf law over the seeded ids, likes on any seeded post. Keep `user` within
// SEED_USERS and `post` within SEED_USERS x SEED_POSTS_PER_USER of the cluster file.
import type { ScenarioMix } from '../harness/drill';

export const instaMix: ScenarioMix = {
  endpoints: [
    { name: 'feed', weight: 85, protocol: 'http', path: '/feed/{{user}}' },
    { name: 'profile', weight: 10, protocol: 'http', path: '/profile/{{user}}' },
    {
      name: 'like',
      // A like removes its user's stored feed: at 10 likes per 80 feeds, a hot user's next feed missed one
      // time in eight whatever FEED_CACHE_HIT said.
      weight: 5,
      protocol: 'http',
      method: 'POST',
      path: '/like',
      headers: { 'content-type': 'application/json' },
      body: '{"user":{{user}},"post":{{post}}}',
    },
  ],
  params: {
    user: { kind: 'zipf', min: 1, max: 1000, s: 1 },
    post: { kind: 'uniform', min: 1, max: 30000 },
  },
};

/**
 * What healthy means on every pool of the target: latency and errors at the front, CPU on every tier, and
 * memory per server type (each tier has its own) below 85% of its limit.
 */
export const instaGuards = {
  http_req_duration: [{ threshold: 'p(99)<500', window: '5s' }],
  http_req_failed: [{ threshold: 'rate<0.01', window: '5s' }],
  cpu_share: [{ threshold: 'avg<0.85', window: '5s' }],
  'memory_mb{serverType:small}': ['max<326'],
  'memory_mb{serverType:large}': ['max<544'],
  'memory_mb{serverType:cache}': ['max<108'],
  'memory_mb{serverType:db}': ['max<435'],
};
