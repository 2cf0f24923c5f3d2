// A DC's Docker endpoint to dockerode's options: unix sockets, tcp:// with TLS certificates from a
// folder (as DOCKER_CERT_PATH), ssh:// through the ssh agent. Pure: no daemon is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClusterError } from '../common';
import { dockerHostOptions } from './docker-engine';

test('unix://, plain tcp://, ssh:// with and without an agent', () => {
  assert.deepEqual(dockerHostOptions('unix:///run/headroom-docker2.sock'), {
    socketPath: '/run/headroom-docker2.sock',
  });
  assert.deepEqual(dockerHostOptions('tcp://10.0.1.20:2375'), { protocol: 'http', host: '10.0.1.20', port: 2375 });
  assert.deepEqual(dockerHostOptions('ssh://deploy@dc-b.example:2222'), {
    protocol: 'ssh',
    host: 'dc-b.example',
    port: 2222,
    username: 'deploy',
  });
  assert.deepEqual(dockerHostOptions('ssh://dc-b.example', { sshAgent: '/tmp/agent.sock' }), {
    protocol: 'ssh',
    host: 'dc-b.example',
    port: 22,
    sshOptions: { agent: '/tmp/agent.sock' },
  });
});

test('tcp:// with a certificate folder: mutual TLS with its ca.pem, cert.pem and key.pem', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['ca.pem', 'cert.pem']) writeFileSync(path.join(dir, f), `${f} text`);
  assert.throws(
    () => dockerHostOptions('tcp://10.0.1.20:2376', { certPath: dir }),
    (err: unknown) =>
      err instanceof ClusterError &&
      err.message.includes(`cannot read ${path.join(dir, 'key.pem')} for tcp://10.0.1.20:2376: ENOENT`),
  );
  writeFileSync(path.join(dir, 'key.pem'), 'key.pem text');
  assert.deepEqual(dockerHostOptions('tcp://10.0.1.20', { certPath: dir }), {
    protocol: 'https',
    host: '10.0.1.20',
    port: 2376,
    ca: 'ca.pem text',
    cert: 'cert.pem text',
    key: 'key.pem text',
  });
});
