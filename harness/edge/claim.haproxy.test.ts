// The owner claim in a real HAProxy (host binary, two threads): of harnesses claiming at once exactly one wins
// and the others are told who; a claim whose heartbeat stopped expires and can be taken; --force takes a live
// one and its owner learns it at its next renewal; a reload drops it; release frees it. Ports 15360-15379.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { EdgeClaimHeld, EdgeClaimLost, readClaim, releaseClaim, takeClaim } from './claim';
import { saveClaim } from './claim-file';
import { type EdgeSpec, haproxyConfig } from './config';
import { edgeCommand } from './restore-command';
import { hostHaproxy } from './testing/backends';
import { restoreFromFile, saveWeights } from './weights-file';

const runtime = { host: '127.0.0.1', port: 15370 };
const spec: EdgeSpec = {
  file: 'ed-claim',
  runtime,
  threads: 2,
  frontends: [
    {
      name: 'live',
      host: '127.0.0.1',
      port: 15360,
      servers: [
        { backend: 'be_live', server: 'a', dc: 'use1', serverType: 'small', address: '127.0.0.1', port: 15361 },
        { backend: 'be_live', server: 'b', dc: 'euw1', serverType: 'small', address: '127.0.0.1', port: 15362 },
      ],
    },
  ],
};
const start = () => hostHaproxy(haproxyConfig(spec, { dcs: { use1: 1, euw1: 1 } }), runtime);

test('of eight harnesses claiming at once exactly one wins; the others are told which run holds it', async (t) => {
  const hap = await start();
  t.after(() => hap.stop());
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) =>
      takeClaim(hap.client, { runId: `run-${i}`, ttlSeconds: 30, pid: 1000 + i, host: `host-${i}` }),
    ),
  );
  const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.equal(won.length, 1, results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'won')).join('\n'));
  const winner = won[0].owner;
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    assert.ok(r.reason instanceof EdgeClaimHeld, String(r.reason));
    assert.match(
      r.reason.message,
      new RegExp(`held by run ${winner.runId} on host ${winner.host} \\(pid ${winner.pid}\\) since `),
    );
    assert.equal(r.reason.exitCode, 110);
  }
  const view = await readClaim(hap.client);
  assert.equal(view.state, 'held');
  assert.equal(view.owner?.runId, winner.runId);
  // A claimer that read the edge free before the winner wrote, and writes after it read its claim back: the
  // write is "set when absent" inside HAProxy, so it does not land.
  await hap.client.command(
    'experimental-mode on',
    `set var proc.headroom_owner_${won[0].gen} expr var(proc.headroom_owner_${won[0].gen},v1|stale|h|1|t|30)`,
  );
  assert.equal((await readClaim(hap.client)).owner?.runId, winner.runId);
  await won[0].renew();
  // A later claim is refused too, while the winner holds it.
  await assert.rejects(takeClaim(hap.client, { runId: 'late', ttlSeconds: 30 }), EdgeClaimHeld);
  assert.equal(await won[0].release(), true);
  assert.equal((await readClaim(hap.client)).state, 'released');
  const next = await takeClaim(hap.client, { runId: 'next', ttlSeconds: 30 });
  assert.equal(next.replaced?.state, 'released');
  assert.equal(next.replaced?.owner?.runId, winner.runId);
});

test('a claim whose heartbeat stopped expires; a forced claim takes a live one and its owner learns it', async (t) => {
  const hap = await start();
  t.after(() => hap.stop());
  const askedAt = Date.now();
  const first = await takeClaim(hap.client, { runId: 'killed', ttlSeconds: 5 });
  // Live: refused (5 s is far more than the next claim takes to ask, however busy the machine).
  await assert.rejects(takeClaim(hap.client, { runId: 'second', ttlSeconds: 30 }), EdgeClaimHeld);
  // No renewal (the harness was SIGKILLed): past its ttl, by HAProxy's clock, it is expired, and taken.
  for (let view = await readClaim(hap.client); view.state !== 'expired'; view = await readClaim(hap.client)) {
    assert.equal(view.state, 'held');
    assert.ok(Date.now() - askedAt < 15_000, 'the claim never expired');
    await new Promise((r) => setTimeout(r, 100));
  }
  // (Its heartbeat is HAProxy's own time when it was written, which HAProxy reads once per loop: a few ms early.)
  assert.ok(Date.now() - askedAt >= 4900, `expired ${Date.now() - askedAt} ms after it was taken, ttl 5 s`);
  const second = await takeClaim(hap.client, { runId: 'second', ttlSeconds: 30 });
  assert.equal(second.replaced?.state, 'expired');
  await assert.rejects(first.renew(), (err: Error) => {
    assert.ok(err instanceof EdgeClaimLost);
    assert.match(err.message, /taken over by run second/);
    return true;
  });
  assert.equal(await first.release(), false, 'a run that lost the claim does not release the new owner');
  assert.equal((await readClaim(hap.client)).state, 'held');
  const forced = await takeClaim(hap.client, { runId: 'forced', ttlSeconds: 30, force: true });
  assert.equal(forced.replaced?.owner?.runId, 'second');
  await assert.rejects(second.renew(), /taken over by run forced/);
  await forced.renew();
  // `headroom edge release <runtime>`: whatever holds it is freed and named.
  const was = await releaseClaim(hap.client);
  assert.equal(was.owner?.runId, 'forced');
  assert.equal((await readClaim(hap.client)).state, 'released');
});

test('a reload drops the claim: its owner learns it at its next renewal', async (t) => {
  const hap = await start();
  t.after(() => hap.stop());
  const claim = await takeClaim(hap.client, { runId: 'before-reload', ttlSeconds: 30 });
  await claim.renew();
  const oldPid = hap.pid;
  await hap.reload();
  assert.notEqual(hap.pid, oldPid);
  assert.equal((await readClaim(hap.client)).state, 'free');
  await assert.rejects(claim.renew(), (err: Error) => {
    assert.ok(err instanceof EdgeClaimLost);
    assert.match(err.message, /reloaded or restarted/);
    return true;
  });
});

test('`edge restore` is refused while another run holds the edge (unless --force); `edge release` frees it', async (t) => {
  const hap = await start();
  t.after(() => hap.stop());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ed-claim-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const killed = await takeClaim(hap.client, { runId: 'killed', ttlSeconds: 1 });
  saveWeights(dir, await hap.client.snapshotWeights());
  saveClaim(dir, { runtime: hap.client.url, gen: killed.gen, token: killed.token });
  const before = (await hap.client.getWeights([{ backend: 'be_live', server: 'a' }]))[0].weight;
  await hap.client.setWeight('be_live', 'a', 0);
  await new Promise((r) => setTimeout(r, 1300));
  // Its claim expired and another run took the edge: restoring the killed run's weights would move the new owner's.
  const other = await takeClaim(hap.client, { runId: 'other', ttlSeconds: 30 });
  await assert.rejects(restoreFromFile(dir), /held by run other/);
  assert.equal((await hap.client.getWeight('be_live', 'a')).weight, 0);
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const io = { stdout: out, stderr: out, cwd: os.tmpdir() };
  assert.equal(await edgeCommand(['restore', dir], io, { force: true }), 0);
  assert.equal((await hap.client.getWeight('be_live', 'a')).weight, before);
  // The killed run's own claim was replaced: releasing it by its folder touches nothing.
  assert.equal(await edgeCommand(['release', dir], io), 0);
  assert.match(text, /the claim of .* is not held any more \(now: held, run other on host /);
  assert.equal((await readClaim(hap.client)).owner?.runId, 'other');
  assert.equal(await edgeCommand(['release', hap.client.url], io), 0);
  assert.match(text, /edge claim on tcp:\/\/127\.0\.0\.1:15370 released: it was held, run other on host /);
  assert.equal((await readClaim(hap.client)).state, 'released');
  await assert.rejects(other.renew(), EdgeClaimLost);
});
