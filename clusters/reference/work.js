// The CPU-bound heart of the service: building, ranking and serializing a user's feed, and
// recording a like. Each call spends a budget of CPU time measured with process.cpuUsage(), never
// the wall clock, so the cost per request stays the same whatever the CPU quota and a quota
// really bounds throughput.

const crypto = require('node:crypto');

const WORDS = (
  'the a capacity drill server replica region data center traffic drain redline guard headroom ' +
  'latency throughput forecast pool weight failover quota core memory request response feed like ' +
  'photo video story friend follow comment share morning evening coffee city river mountain sunset ' +
  'launch deploy rollback incident postmortem dashboard alert pager oncall weekend holiday'
).split(' ');

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
// Likes are kept per worker process; the map is bounded so a long drill has flat memory.
const MAX_LIKED_POSTS = 100000;

/**
 * mulberry32: a small deterministic PRNG, so a user's feed is the same on every replica. The harness has
 * the same one (harness/common/seeded-random.ts); the service keeps its own, as it runs alone in its image.
 */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cpuMicrosSince(start) {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

function candidatePosts(user, count, likes) {
  const rnd = prng(user);
  const posts = [];
  for (let i = 0; i < count; i++) {
    const id = (Math.floor(rnd() * 4294967295) + 1) >>> 0 || 1;
    const author = 1 + Math.floor(rnd() * 1000000);
    const words = [];
    const n = 8 + Math.floor(rnd() * 12);
    for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]);
    posts.push({ id, author, text: words.join(' '), likes: likes.get(id) || 0, score: 0 });
  }
  return posts;
}

/**
 * Builds the feed of `user` (1..2^32-1) with `limit` posts, spending `cpuMs` of CPU in total:
 * candidates are built and ranked (deterministically per user), then re-scored, serialized and
 * hashed round after round until the budget is spent. Returns { posts, digest, rounds }.
 */
function buildFeed(user, limit, cpuMs, likes) {
  const start = process.cpuUsage();
  const budgetUs = cpuMs * 1000;
  // Twice as many candidates as shown: ranking chooses which ones make the feed.
  const candidates = candidatePosts(user, limit * 2, likes);
  // Ranking: the order comes from the user's own digest, so a feed is the same whatever the budget.
  const seed = crypto.createHash('sha256').update(String(user)).digest();
  for (const p of candidates) p.score = (seed.readUInt32BE((p.id % 8) * 4) ^ p.id) >>> 0;
  candidates.sort((x, y) => x.score - y.score || x.id - y.id);
  const posts = candidates.slice(0, limit).map((p) => ({ id: p.id, author: p.author, text: p.text, likes: p.likes }));
  // The rest of the budget goes to what a feed tier spends it on: re-scoring the candidates,
  // serializing the page and signing it, round after round (at least one round).
  let digest = seed;
  let rounds = 0;
  const scratch = candidates.slice();
  do {
    for (const p of scratch) p.score = (digest.readUInt32BE((p.id % 8) * 4) ^ p.id) >>> 0;
    scratch.sort((x, y) => x.score - y.score || x.id - y.id);
    digest = crypto
      .createHash('sha256')
      .update(digest)
      .update(JSON.stringify(scratch.slice(0, limit)))
      .digest();
    rounds++;
  } while (cpuMicrosSince(start) < budgetUs);
  return { posts, digest: digest.toString('hex').slice(0, 16), rounds };
}

/** Records a like of `post` by `user`, spending `cpuMs` of CPU (a lighter round: validate and hash). */
function recordLike(user, post, cpuMs, likes) {
  const start = process.cpuUsage();
  const budgetUs = cpuMs * 1000;
  let digest = crypto.createHash('sha256').update(`${user}:${post}`).digest();
  let rounds = 0;
  while (cpuMicrosSince(start) < budgetUs) {
    digest = crypto.createHash('sha256').update(digest).update(JSON.stringify({ user, post, rounds })).digest();
    rounds++;
  }
  if (likes.size >= MAX_LIKED_POSTS && !likes.has(post)) likes.clear();
  likes.set(post, (likes.get(post) || 0) + 1);
  return { digest: digest.toString('hex').slice(0, 16), rounds };
}

/** One backend call: `cpuMs` of CPU spent hashing the user's part (what a cache or graph tier does per lookup). */
function serveBackendCall(user, part, cpuMs) {
  const start = process.cpuUsage();
  const budgetUs = cpuMs * 1000;
  let digest = crypto.createHash('sha256').update(`${user}/${part}`).digest();
  do digest = crypto.createHash('sha256').update(digest).digest();
  while (cpuMicrosSince(start) < budgetUs);
  return digest.toString('hex').slice(0, 16);
}

module.exports = { buildFeed, recordLike, serveBackendCall, prng, DEFAULT_LIMIT, MAX_LIMIT };
