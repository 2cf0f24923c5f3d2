// The loopback rule: which hosts headroom may send to without an allowTargets entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopback } from './index';

test('loopback in every spelling', () => {
  const hosts = [
    '127.0.0.1',
    '127.8.9.10',
    '127.255.255.255',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    'localhost',
    'LOCALHOST',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.2]',
    '0:0:0:0:0:ffff:127.0.0.1',
  ];
  for (const h of hosts) {
    assert.equal(isLoopback(h), true, h);
  }
});

test('everything else is not loopback', () => {
  const hosts = [
    '128.0.0.1',
    '10.0.0.1',
    '127.0.0.256',
    '127.1',
    'example.com',
    '0.0.0.0',
    '::',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.256',
    'localhost.example.com',
    '127.0.0.1.example.com',
    '',
  ];
  for (const h of hosts) {
    assert.equal(isLoopback(h), false, h);
  }
});
