// The loopback rule shared by the cluster file's checks and the load engine: traffic goes only to
// 127.0.0.0/8 and ::1 (in any spelling) unless a host is explicitly allowed.
import * as net from 'node:net';

/**
 * 127.0.0.0/8, ::1 (also written out in full), `localhost`, and IPv4-mapped IPv6 of 127.0.0.0/8
 * (`::ffff:127.0.0.1`): the mapped form reaches the same loopback interface. Brackets are ignored.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:|0:0:0:0:0:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  return v4 !== undefined && net.isIPv4(v4) && v4.startsWith('127.');
}
