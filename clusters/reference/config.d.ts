// Types of config.js for the TypeScript tests and the harness (the service itself is plain JS).
export interface Knobs {
  feedCpuMs: number;
  likeCpuMs: number;
  backendWaitMs: number;
  errorRate: number;
}
export interface ReferenceConfig {
  httpPort: number;
  grpcPort: number;
  host: string;
  replica: string;
  workers: number;
  knobs: Knobs;
  /** The backend role: where this replica's feed requests fan out to, and what a backend call costs here. */
  backend: { addresses: string[]; protocol: 'http' | 'grpc'; fanout: number; cpuMs: number };
}
export const KNOB_NAMES: (keyof Knobs)[];
export function defaultKnobs(): Knobs;
/** Throws an Error with `problems: string[]` listing every invalid variable. */
export function parseConfig(env: Record<string, string | undefined>): ReferenceConfig;
export function checkKnobPatch(
  body: unknown,
): { ok: true; patch: Partial<Knobs> } | { ok: false; field: string; value: unknown; expected: string };
export function isLoopback(address: string | undefined): boolean;
