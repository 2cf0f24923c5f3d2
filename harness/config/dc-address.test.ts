// A DC's own address and Docker endpoint in the cluster file: replicas, templates and labels take
// the DC's address; addresses off loopback need allowTargets; TLS certificates go with tcp:// only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigErrors } from '../common';
import { parseClusterFile } from './cluster';
import { renderTemplate } from '../cluster/templates';

const twoDcs = `
name: mh
ports: 21000-21099
services:
  web:
    front: true
    reference: { env: {} }
    env: { BACKENDS: "{{tier.backend.http}}", SELF: "{{host}}:{{port.http}}" }
    dependsOn: [backend]
  backend:
    reference: { env: {} }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
regions:
  - name: east
    dcs:
      - name: a
        demand: 1
        address: 127.0.1.1
        pools: { web: { small: 1 }, backend: { small: 2 } }
  - name: west
    dcs:
      - name: b
        demand: 1
        pools: { web: { small: 1 }, backend: { small: 1 } }
`;

function problemsOf(text: string, file = 'c.yaml'): string[] {
  try {
    parseClusterFile(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return err.problems.map((p) => p.message);
  }
  assert.fail('the file was accepted');
}

test("each DC's replicas take its address; a DC without one takes the cluster's host", () => {
  const spec = parseClusterFile(twoDcs.replace('name: b\n', 'name: b\n        address: 127.0.2.1\n'), 'c.yaml');
  assert.deepEqual(
    spec.dcs.map((d) => [d.name, d.address]),
    [
      ['a', '127.0.1.1'],
      ['b', '127.0.2.1'],
    ],
  );
  assert.deepEqual(
    spec.replicas.map((r) => [r.name, r.host]),
    [
      ['mh-a-web-small-1', '127.0.1.1'],
      ['mh-a-backend-small-1', '127.0.1.1'],
      ['mh-a-backend-small-2', '127.0.1.1'],
      ['mh-b-web-small-1', '127.0.2.1'],
      ['mh-b-backend-small-1', '127.0.2.1'],
    ],
  );
  const plain = parseClusterFile(twoDcs, 'c.yaml');
  assert.deepEqual(
    plain.dcs.map((d) => d.address),
    ['127.0.1.1', '127.0.0.1'],
  );
  assert.deepEqual([...new Set(plain.replicas.filter((r) => r.dc === 'b').map((r) => r.host))], ['127.0.0.1']);
  const hosted = parseClusterFile(
    twoDcs.replace('ports: 21000-21099', 'ports: 21000-21099\nhost: 127.0.0.9'),
    'c.yaml',
  );
  assert.deepEqual(
    hosted.dcs.map((d) => d.address),
    ['127.0.1.1', '127.0.0.9'],
  );
});

test("templates name the replica's own DC address and that DC's peers", () => {
  const spec = parseClusterFile(twoDcs.replace('name: b\n', 'name: b\n        address: 127.0.2.1\n'), 'c.yaml');
  const web = (dc: string) => spec.replicas.find((r) => r.dc === dc && r.tier === 'web')!;
  const backends = (dc: string) => spec.replicas.filter((r) => r.dc === dc && r.tier === 'backend');
  assert.equal(
    renderTemplate('{{tier.backend.http}}', web('a'), spec.replicas),
    backends('a')
      .map((r) => `http://127.0.1.1:${r.httpPort}`)
      .join(','),
  );
  assert.equal(
    renderTemplate('{{tier.backend.grpc}}', web('b'), spec.replicas),
    `127.0.2.1:${backends('b')[0].grpcPort}`,
  );
  assert.equal(renderTemplate('{{host}}:{{port.http}}', web('b'), spec.replicas), `127.0.2.1:${web('b').httpPort}`);
});

test('an address off loopback needs allowTargets; an address is for the docker driver only', () => {
  const far = twoDcs.replace('address: 127.0.1.1', 'address: 10.0.1.20');
  const [only, ...rest] = problemsOf(far);
  assert.deepEqual(rest, []);
  assert.match(
    only,
    /^c\.yaml: regions\[0\]\.dcs\[0\]\.address: address '10\.0\.1\.20' is not loopback and not under allowTargets; expected a loopback host/,
  );
  const allowed = parseClusterFile(
    far.replace('ports: 21000-21099', 'ports: 21000-21099\nallowTargets: [10.0.1.20]'),
    'c.yaml',
  );
  assert.equal(allowed.replicas[0].host, '10.0.1.20');
  assert.match(
    problemsOf(twoDcs.replace('address: 127.0.1.1', 'address: "127.0.1.1:80"'))[0],
    /address: got "127\.0\.1\.1:80", expected an IP address or host name without brackets/,
  );

  const fixed = `
name: s
driver: static
serverTypes: { gen1: { cpus: 1, memoryMb: 512 } }
regions: [{ name: lab, dcs: [{ name: lab1, demand: 1, address: 127.0.0.1, pools: { gen1: [{ http: "http://127.0.0.1:1", grpc: "127.0.0.1:2" }] } }] }]
`;
  assert.deepEqual(problemsOf(fixed), [
    'c.yaml: regions[0].dcs[0].address: got "127.0.0.1", expected no address with driver: static (its endpoints name their hosts) (line 5)',
  ]);
});

test('dockerCertPath: a folder of ca.pem, cert.pem, key.pem beside a tcp:// dockerHost', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const withCerts = (host: string, certs: string) =>
    twoDcs.replace(
      'address: 127.0.1.1',
      `address: 127.0.1.1\n        dockerHost: ${host}\n        dockerCertPath: ${certs}`,
    );
  for (const f of ['ca.pem', 'cert.pem']) writeFileSync(join(dir, f), 'x');
  const [missing, ...more] = problemsOf(withCerts('tcp://127.0.0.1:2376', dir), join(dir, 'c.yaml'));
  assert.deepEqual(more, []);
  assert.match(
    missing,
    /regions\[0\]\.dcs\[0\]\.dockerCertPath: .* lacks key\.pem; expected a folder \(relative to the cluster file\) holding ca\.pem, cert\.pem and key\.pem/,
  );
  writeFileSync(join(dir, 'key.pem'), 'x');
  // Relative to the cluster file's folder.
  const spec = parseClusterFile(withCerts('tcp://127.0.0.1:2376', '.'), join(dir, 'c.yaml'));
  assert.equal(spec.dcs[0].dockerCertPath, dir);
  assert.equal(spec.dcs[0].dockerHost, 'tcp://127.0.0.1:2376');
  assert.match(
    problemsOf(withCerts('unix:///run/x.sock', dir))[0],
    /dockerCertPath: got ".*", expected a dockerHost of the form tcp:\/\/host:2376 beside it/,
  );
});
