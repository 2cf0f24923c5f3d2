// The Kubernetes CronJob of docs/ci/cronjob.yaml: only fields of the Kubernetes API, a valid schedule, no
// overlapping or retried drills, and a script whose commands exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { commandNames } from '../cli/main';
import { bashSyntax, cronOk, pipelineChecks, read, type Y } from './testing/pipeline-checks';

const { commandProblems } = pipelineChecks(commandNames);

// Fields of the Kubernetes API (batch/v1 CronJobSpec and JobSpec, core/v1 PodSpec and Container, v1.35) that a
// CronJob may set here; a misspelt field is silently dropped by a lenient apply, so it is caught here.
const K8S = {
  cronJobSpec: [
    'schedule',
    'timeZone',
    'startingDeadlineSeconds',
    'concurrencyPolicy',
    'suspend',
    'jobTemplate',
    'successfulJobsHistoryLimit',
    'failedJobsHistoryLimit',
  ],
  jobSpec: [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'podFailurePolicy',
    'successPolicy',
    'backoffLimit',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
    'selector',
    'manualSelector',
    'template',
    'ttlSecondsAfterFinished',
    'completionMode',
    'suspend',
    'podReplacementPolicy',
    'managedBy',
  ],
  podSpec: [
    'volumes',
    'initContainers',
    'containers',
    'ephemeralContainers',
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'nodeSelector',
    'serviceAccountName',
    'automountServiceAccountToken',
    'nodeName',
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'shareProcessNamespace',
    'securityContext',
    'imagePullSecrets',
    'hostname',
    'subdomain',
    'affinity',
    'schedulerName',
    'tolerations',
    'hostAliases',
    'priorityClassName',
    'priority',
    'dnsConfig',
    'readinessGates',
    'runtimeClassName',
    'enableServiceLinks',
    'preemptionPolicy',
    'overhead',
    'topologySpreadConstraints',
    'setHostnameAsFQDN',
    'os',
    'hostUsers',
    'schedulingGates',
    'resourceClaims',
    'resources',
  ],
  container: [
    'name',
    'image',
    'command',
    'args',
    'workingDir',
    'ports',
    'envFrom',
    'env',
    'resources',
    'resizePolicy',
    'restartPolicy',
    'volumeMounts',
    'volumeDevices',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
    'securityContext',
    'stdin',
    'stdinOnce',
    'tty',
  ],
};
const unknownKeys = (obj: Y, allowed: string[], where: string) =>
  Object.keys(obj)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}.${k}`);

test('Kubernetes CronJob: batch/v1 fields only, a valid schedule, Forbid, no retries of a failed drill, Docker reachable', () => {
  const docs = parseAllDocuments(read('cronjob.yaml')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJSON() as Y;
  });
  const cron = docs.find((d) => d.kind === 'CronJob')!;
  assert.equal(cron.apiVersion, 'batch/v1');
  assert.ok(
    cron.metadata.name && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cron.metadata.name) && cron.metadata.name.length <= 52,
    'a DNS-1123 name of at most 52 characters',
  );
  const spec = cron.spec;
  const job = spec.jobTemplate.spec;
  const pod = job.template.spec;
  assert.deepEqual(
    [
      ...unknownKeys(spec, K8S.cronJobSpec, 'spec'),
      ...unknownKeys(job, K8S.jobSpec, 'spec.jobTemplate.spec'),
      ...unknownKeys(pod, K8S.podSpec, 'pod'),
      ...pod.containers.flatMap((c: Y, i: number) => unknownKeys(c, K8S.container, `pod.containers[${i}]`)),
    ],
    [],
  );
  assert.ok(cronOk(spec.schedule), `schedule '${spec.schedule}'`);
  assert.equal(spec.concurrencyPolicy, 'Forbid');
  assert.equal(job.backoffLimit, 0);
  assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
  assert.equal(pod.restartPolicy, 'Never', 'a failed drill is not restarted in place either');
  const [c] = pod.containers;
  assert.ok(c.name && c.image);
  const vols = new Set(pod.volumes.map((v: Y) => v.name));
  for (const m of c.volumeMounts) assert.ok(vols.has(m.name), `volumeMount ${m.name} has a volume`);
  const sock = pod.volumes.find((v: Y) => v.hostPath?.path === '/var/run/docker.sock');
  const dockerHost = c.env.find((e: Y) => e.name === 'DOCKER_HOST');
  assert.ok(sock || dockerHost, 'the Docker socket or a DOCKER_HOST');
  if (sock) {
    assert.equal(sock.hostPath.type, 'Socket');
    assert.equal(pod.hostNetwork, true, 'replicas on the node loopback need the node network');
  }
  assert.ok(job.podFailurePolicy.rules.some((r: Y) => r.action === 'FailJob' && r.onExitCodes.values.includes(99)));
  const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
  assert.ok(
    pod.volumes.some((v: Y) => v.persistentVolumeClaim?.claimName === pvc?.metadata.name),
    'reports and history on a volume that outlives the pod',
  );
  const script = c.args.join('\n');
  assert.equal(bashSyntax(script), null);
  assert.deepEqual(commandProblems(script, 'cronjob'), []);
  assert.match(script, /--junit "\$run\/junit\.xml"[\s\S]*exit \$code/);
});
