// A replica's addresses as the load engine dials them, from its place in the cluster file: the one
// conversion both drivers and the run use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toReplica } from './index';
import type { ReplicaSpec } from './index';

const spec = (over: Partial<ReplicaSpec>): ReplicaSpec => ({
  name: 'use1-small-1',
  region: 'us',
  dc: 'use1',
  serverType: 'small',
  pool: 'use1/small',
  index: 1,
  host: '127.0.0.1',
  httpPort: 23000,
  grpcPort: 23001,
  ...over,
});

test('IPv4 and IPv6 hosts; IPv6 keeps its brackets in both addresses', () => {
  assert.deepEqual([toReplica(spec({})).http, toReplica(spec({})).grpc], ['http://127.0.0.1:23000', '127.0.0.1:23001']);
  const v6 = toReplica(spec({ host: '::1' }));
  assert.deepEqual([v6.http, v6.grpc], ['http://[::1]:23000', '[::1]:23001']);
});

test('a gRPC host of its own is dialled for gRPC only; a container id is kept when given', () => {
  const r = toReplica(spec({ grpcHost: '127.0.0.2' }), 'abc123');
  assert.deepEqual([r.http, r.grpc, r.containerId], ['http://127.0.0.1:23000', '127.0.0.2:23001', 'abc123']);
  assert.equal('containerId' in toReplica(spec({})), false);
});
