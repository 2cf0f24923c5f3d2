// The loopback rule: which hosts headroom may send to without an allowTargets entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopback } from './index';

test('loopback in every spelling', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '127.255.255.255', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1', '[::ffff:127.0.0.2]', '0:0:0:0:0:ffff:127.0.0.1']) {
    assert.equal(isLoopback(h), true, h);
  }
});

test('everything else is not loopback', () => {
  for (const h of ['128.0.0.1', '10.0.0.1', '127.0.0.256', '127.1', 'example.com', '0.0.0.0', '::', '::ffff:10.0.0.1', '::ffff:127.0.0.256', 'localhost.example.com', '127.0.0.1.example.com', '']) {
    assert.equal(isLoopback(h), false, h);
  }
});
