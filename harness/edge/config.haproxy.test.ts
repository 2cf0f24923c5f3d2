// Against the host's HAProxy: the generated config passes `haproxy -c`; a broken one is refused with HAProxy's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../common';
import { checkConfig } from './check';
import { type EdgeSpec, haproxyConfig } from './config';

const spec = (extra?: EdgeSpec['extra']): EdgeSpec => ({
  file: 'clusters/edge-test.yaml',
  runtime: { path: '/tmp/edge-test-check.sock' },
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30020,
      servers: [
        { backend: 'be_us', server: 'use1-gen1-0', dc: 'use1', serverType: 'gen1', address: '127.0.0.1', port: 30021 },
        { backend: 'be_us', server: 'euw1-gen1-0', dc: 'euw1', serverType: 'gen1', address: '127.0.0.1', port: 30022 },
      ],
    },
  ],
  ...(extra ? { extra } : {}),
});

test('HAProxy accepts the generated configuration', async () => {
  await checkConfig(haproxyConfig(spec(), { dcs: { use1: 0.5, euw1: 0.5 } }), { origin: 'clusters/edge-test.yaml' });
});

test("a broken configuration is refused with HAProxy's own message and the line it names", async () => {
  const cfg = haproxyConfig(spec({ defaults: ['timeout server tomorrow'] }), { dcs: { use1: 1, euw1: 1 } });
  const line = cfg.split('\n').indexOf('  timeout server tomorrow') + 1;
  await assert.rejects(checkConfig(cfg, { origin: 'clusters/edge-test.yaml' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.exitCode, 104);
    assert.match(err.message, /^clusters\/edge-test\.yaml: edge: HAProxy refused the generated configuration:\n/);
    assert.match(err.message, new RegExp(`\\[ALERT\\].*parsing \\[haproxy\\.cfg:${line}\\].*timeout`));
    assert.match(err.message, new RegExp(`line ${line}: timeout server tomorrow`));
    return true;
  });
});
