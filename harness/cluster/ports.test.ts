import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { portTaken, takenPorts } from './ports';

test('a port something listens on is taken; a free one is not', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(21410, '127.0.0.1', resolve));
  try {
    assert.equal(await portTaken('127.0.0.1', 21410), true);
    assert.equal(await portTaken('127.0.0.1', 21411), false);
    assert.deepEqual(await takenPorts([{ host: '127.0.0.1', port: 21411 }, { host: '127.0.0.1', port: 21410 }]), [{ host: '127.0.0.1', port: 21410 }]);
  } finally {
    server.close();
  }
  assert.equal(await portTaken('127.0.0.1', 21410), false, 'free again once closed');
});
