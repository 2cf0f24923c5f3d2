import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../common';
import type { Replica } from '../cluster';
import { edgeFromReplicas, type EdgeSpec, haproxyConfig } from './config';
import { formatRuntimeAddress, parseRuntimeAddress } from './runtime-address';
import { parseStatCsv } from './stat-csv';

const replica = (region: string, dc: string, serverType: string, index: number, port: number): Replica => ({
  name: `c-${dc}-${serverType}-${index}`,
  region,
  dc,
  pool: `${dc}/${serverType}`,
  serverType,
  index,
  host: '127.0.0.1',
  httpPort: port,
  grpcPort: port + 1000,
  http: `http://127.0.0.1:${port}`,
  grpc: `127.0.0.1:${port + 1000}`,
});

const replicas = [
  replica('us', 'use1', 'gen1', 0, 30011),
  replica('us', 'use1', 'gen1', 1, 30012),
  replica('eu', 'euw1', 'gen1', 0, 30013),
];

test('one frontend per region, each backend holds every replica grouped by DC with weights from demand', () => {
  const spec = edgeFromReplicas('clusters/x.yaml', replicas, {
    firstPort: 30001,
    runtime: { host: '127.0.0.1', port: 30000 },
    healthPath: '/healthz',
  });
  const cfg = haproxyConfig(spec, { dcs: { use1: 0.5, euw1: 0.5 } });
  assert.match(cfg, /\n {2}stats socket ipv4@127\.0\.0\.1:30000 level admin\n/);
  assert.match(cfg, /\nfrontend fe_us\n {2}bind 127\.0\.0\.1:30001\n {2}default_backend be_us\n/);
  assert.match(cfg, /\nfrontend fe_eu\n {2}bind 127\.0\.0\.1:30002\n {2}default_backend be_eu\n/);
  const backendUs = cfg.slice(cfg.indexOf('\nbackend be_us'), cfg.indexOf('frontend fe_eu'));
  assert.equal(
    backendUs.trim(),
    [
      'backend be_us',
      '  balance roundrobin',
      '  option httpchk GET /healthz',
      '  server use1-gen1-0 127.0.0.1:30011 weight 128 check inter 1s fall 2 rise 2',
      '  server use1-gen1-1 127.0.0.1:30012 weight 128 check inter 1s fall 2 rise 2',
      '  server euw1-gen1-0 127.0.0.1:30013 weight 256 check inter 1s fall 2 rise 2',
    ].join('\n'),
  );
});

test('bad names and duplicate servers are refused with every problem before HAProxy sees them', () => {
  const spec: EdgeSpec = {
    file: 'clusters/x.yaml',
    runtime: { path: '/tmp/x.sock' },
    frontends: [
      {
        name: 'us east',
        host: '127.0.0.1',
        port: 70000,
        servers: [
          { backend: 'be_us east', server: 'a', dc: 'a', serverType: 'g', address: '127.0.0.1', port: 1 },
          { backend: 'be_us east', server: 'a', dc: 'a', serverType: 'g', address: '127.0.0.1', port: 2 },
        ],
      },
    ],
  };
  assert.throws(
    () => haproxyConfig(spec, { dcs: { a: 1 } }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigErrors);
      const text = err.message;
      assert.match(text, /clusters\/x\.yaml: edge\.frontends\[0\]\.name: 'us east' is not a valid HAProxy name/);
      assert.match(text, /edge\.frontends\[0\]\.port: expected a port 1-65535, got 70000/);
      assert.match(text, /edge\.frontends\[0\]\.servers\[1\]: two servers are named 'a'/);
      return true;
    },
  );
});

test('runtime addresses: unix and tcp, in URL and HAProxy spelling', () => {
  assert.deepEqual(parseRuntimeAddress('unix:///run/h.sock'), { path: '/run/h.sock' });
  assert.deepEqual(parseRuntimeAddress('/run/h.sock'), { path: '/run/h.sock' });
  assert.deepEqual(parseRuntimeAddress('tcp://127.0.0.1:9999'), { host: '127.0.0.1', port: 9999 });
  assert.equal(formatRuntimeAddress({ host: '127.0.0.1', port: 9999 }, 'haproxy'), 'ipv4@127.0.0.1:9999');
  assert.throws(
    () => parseRuntimeAddress('http://x', 'c.yaml', 'edge.runtime'),
    /c\.yaml: edge\.runtime: cannot read the runtime API address 'http:\/\/x'/,
  );
});

test('show stat CSV: servers with their figures, by column name', () => {
  const csv = [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,uweight',
    'fe_a,FRONTEND,,,0,0,9987,12,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,3,0,0,,,,0,12,0,0,0,0,,0,0,12,',
    'be_a,use1-gen1-0,1,0,2,0,,7,0,0,,0,,0,0,0,0,no check,30,1,0,,,3,,,1,3,1,,7,,2,2,,0,,,,0,6,0,0,1,0,,,,,30',
  ].join('\n');
  const [fe, srv] = parseStatCsv(csv);
  assert.equal(fe.kind, 'frontend');
  assert.equal(fe.reqTot, 12);
  assert.deepEqual(
    {
      kind: srv.kind,
      proxy: srv.proxy,
      name: srv.name,
      qcur: srv.qcur,
      scur: srv.scur,
      stot: srv.stot,
      lbtot: srv.lbtot,
      rate: srv.rate,
      hrsp2xx: srv.hrsp2xx,
      hrsp5xx: srv.hrsp5xx,
      weight: srv.weight,
      uweight: srv.uweight,
      status: srv.status,
      reqTot: srv.reqTot,
    },
    {
      kind: 'server',
      proxy: 'be_a',
      name: 'use1-gen1-0',
      qcur: 1,
      scur: 2,
      stot: 7,
      lbtot: 7,
      rate: 2,
      hrsp2xx: 6,
      hrsp5xx: 1,
      weight: 30,
      uweight: 30,
      status: 'no check',
      reqTot: null,
    },
  );
});
