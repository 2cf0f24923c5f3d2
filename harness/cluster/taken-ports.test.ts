import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { decodeProcAddress, describeHolder, listeningInodes, portHolder, portTaken, takenPorts } from './taken-ports';

test('a port something listens on is taken; a free one is not', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(9014, '127.0.0.1', resolve));
  try {
    assert.equal(await portTaken('127.0.0.1', 9014), true);
    assert.equal(await portTaken('127.0.0.1', 9015), false);
    assert.deepEqual(
      await takenPorts([
        { host: '127.0.0.1', port: 9015 },
        { host: '127.0.0.1', port: 9014 },
      ]),
      [{ host: '127.0.0.1', port: 9014, holder: portHolder('127.0.0.1', 9014) }],
    );
  } finally {
    server.close();
  }
  assert.equal(await portTaken('127.0.0.1', 9014), false, 'free again once closed');
});

test('a taken port names the process that listens on it, from /proc', async () => {
  // A separate process, so the pid and command line cannot be ours by accident.
  const child = spawn(
    process.execPath,
    ['-e', "require('net').createServer().listen(9011, '127.0.0.1', () => console.log('up'))", 'holder-marker'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the listener exited (${code})`)));
    });
    const [taken] = await takenPorts([{ host: '127.0.0.1', port: 9011 }]);
    assert.equal(taken.port, 9011);
    assert.equal(taken.holder?.pid, child.pid);
    assert.match(taken.holder!.command, /node.* -e .*holder-marker$/);
    assert.equal(describeHolder(taken.holder!), `pid ${child.pid} (${taken.holder!.command})`);
    // A wildcard listener blocks 127.0.0.1 too, and is found for it; a free port has no holder.
    assert.equal(portHolder('127.0.0.1', 9012), null);
  } finally {
    child.kill();
  }
});

test('a listener in this process on :: (IPv6 wildcard) is found for 127.0.0.1', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(9013, '::', resolve));
  t.after(() => server.close());
  assert.deepEqual(portHolder('127.0.0.1', 9013)?.pid, process.pid);
  assert.deepEqual((await takenPorts([{ host: '127.0.0.1', port: 9013 }]))[0].holder?.pid, process.pid);
});

test('/proc/net/tcp addresses decode to IPs and ports (IPv4, IPv6, IPv4-mapped)', () => {
  assert.deepEqual(decodeProcAddress('0100007F:1F90'), { ip: '127.0.0.1', port: 8080 });
  assert.deepEqual(decodeProcAddress('00000000000000000000000001000000:0050'), { ip: '::1', port: 80 });
  assert.deepEqual(decodeProcAddress('00000000000000000000000000000000:0050'), { ip: '::', port: 80 });
  assert.deepEqual(decodeProcAddress('0000000000000000FFFF00000100007F:0050'), { ip: '127.0.0.1', port: 80 });
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:9093 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:9093 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1',
    '   2: 0200007F:9093 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 100 0 0 10 0',
    '   3: 00000000:9094 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1 0 100 0 0 10 0',
  ].join('\n');
  assert.deepEqual(listeningInodes(table, '127.0.0.1', 0x9093), [111], 'listening only, on that address');
  assert.deepEqual(listeningInodes(table, '127.0.0.1', 0x9094), [444], 'a wildcard listener blocks every address');
});
