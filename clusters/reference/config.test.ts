// Pure checks of the service's settings: env parsing, the admin knob patch, the loopback test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkKnobPatch, isLoopback, parseConfig } from './config';

describe('reference config', () => {
  it('parses the environment with the documented defaults', () => {
    assert.deepEqual(parseConfig({ HTTP_PORT: '8080', GRPC_PORT: '9090' }), {
      httpPort: 8080,
      grpcPort: 9090,
      host: '127.0.0.1',
      replica: 'reference',
      workers: 1,
      knobs: { feedCpuMs: 2, likeCpuMs: 0.3, backendWaitMs: 0, errorRate: 0 },
      backend: { addresses: [], protocol: 'http', fanout: 1, cpuMs: 1 },
    });
    assert.deepEqual(
      parseConfig({
        HTTP_PORT: '1',
        GRPC_PORT: '65535',
        HOST: '::1',
        REPLICA: 'c-use1-small-0',
        WORKERS: '4',
        FEED_CPU_MS: '0.5',
        LIKE_CPU_MS: '0',
        BACKEND_WAIT_MS: '250',
        ERROR_RATE: '1',
      }),
      {
        httpPort: 1,
        grpcPort: 65535,
        host: '::1',
        replica: 'c-use1-small-0',
        workers: 4,
        knobs: { feedCpuMs: 0.5, likeCpuMs: 0, backendWaitMs: 250, errorRate: 1 },
        backend: { addresses: [], protocol: 'http', fanout: 1, cpuMs: 1 },
      },
    );
  });

  it('collects every problem, including equal ports and non-integer workers', () => {
    assert.throws(
      () =>
        parseConfig({
          HTTP_PORT: '9000',
          GRPC_PORT: '9000',
          WORKERS: '1.5',
          ERROR_RATE: 'NaN',
          FEED_CPU_MS: 'Infinity',
        }),
      (err: Error & { problems: string[] }) => {
        assert.deepEqual(err.problems, [
          'HTTP_PORT and GRPC_PORT are both 9000: expected two different ports',
          'WORKERS="1.5": expected a whole number from 1 to 64',
          'FEED_CPU_MS="Infinity": expected a number of CPU milliseconds from 0 to 10000',
          'ERROR_RATE="NaN": expected a share from 0 to 1',
        ]);
        return true;
      },
    );
  });

  it('checks an admin knob patch: known knobs, numbers in range', () => {
    assert.deepEqual(checkKnobPatch({ errorRate: 0.5, backendWaitMs: 200 }), {
      ok: true,
      patch: { errorRate: 0.5, backendWaitMs: 200 },
    });
    assert.deepEqual(checkKnobPatch({}), { ok: true, patch: {} });
    assert.deepEqual(checkKnobPatch({ errorRate: -0.1 }), {
      ok: false,
      field: 'errorRate',
      value: -0.1,
      expected: 'a share from 0 to 1',
    });
    assert.deepEqual(checkKnobPatch({ feedCpuMs: null }), {
      ok: false,
      field: 'feedCpuMs',
      value: null,
      expected: 'a number of CPU milliseconds from 0 to 10000',
    });
    assert.equal(checkKnobPatch({ workers: 2 }).ok, false);
    assert.equal(checkKnobPatch([]).ok, false);
    assert.equal(checkKnobPatch('x').ok, false);
  });

  it('admin requests are allowed from 127.0.0.0/8 and ::1 only (the 403 rule)', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
      assert.equal(isLoopback(a), true, a);
    for (const a of ['10.0.0.1', '192.168.1.2', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'fe80::1', '', undefined])
      assert.equal(isLoopback(a as string), false, String(a));
  });
});
