// The k6-operator TestRun manifest for an exported script (k6.io/v1alpha1; fields as in k6-operator's
// docs/crd-generated.md: spec.parallelism, spec.script.configMap {name, file}, spec.arguments, spec.cleanup).
import { stringify } from 'yaml';

export interface TestRunOptions {
  /** Name of the TestRun and of the ConfigMap holding the script (DNS-1123). */
  name: string;
  parallelism: number;
  scriptFile: string;
  /** Extra files in the ConfigMap (the .proto files of gRPC endpoints). */
  extraFiles: string[];
  /** Tags on every sample of the run (k6 --tag). */
  tags: Record<string, string>;
}

/** A Kubernetes name: lowercase letters, digits and '-', at most 63 characters. */
export function kubernetesName(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'headroom'
  );
}

export function renderTestRun(o: TestRunOptions): string {
  const manifest = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: o.name, labels: { 'app.kubernetes.io/managed-by': 'headroom' } },
    spec: {
      parallelism: o.parallelism,
      script: { configMap: { name: o.name, file: o.scriptFile } },
      arguments: Object.entries(o.tags)
        .map(([k, v]) => `--tag ${k}=${v}`)
        .join(' '),
      // Runner jobs are removed once the test ends; results go to the outputs given in arguments.
      cleanup: 'post',
    },
  };
  return stringify(manifest);
}

/** The kubectl commands that load the script into a ConfigMap and start the run. */
export function configMapCommand(o: TestRunOptions): string {
  const files = [o.scriptFile, ...o.extraFiles].map((f) => `--from-file=${f}`).join(' ');
  return `kubectl create configmap ${o.name} ${files}\nkubectl apply -f testrun.yaml\n`;
}
