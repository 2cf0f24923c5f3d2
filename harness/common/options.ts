// The one place the environment is read. Options merge in this order, each later layer winning:
// defaults < file (cluster file, scenario script) < environment (HEADROOM_*, DOCKER_*, SSH_AUTH_SOCK) < flags.
// Commands receive the environment's layer from here and pass what they need down explicitly.
import { ConfigError, ConfigErrors } from './errors';

/** What the environment may set; the same names the flags and files fill. */
export interface EnvOptions {
  /** HEADROOM_BASE_IMAGE: 'scratch' (offline) or an image such as node:20-slim. */
  baseImage?: string;
  /** HEADROOM_HEALTH_TIMEOUT_S, in ms: how long one replica may take to answer each health check. */
  healthTimeoutMs?: number;
  /** HEADROOM_LIVE: 1 forces the live view on, 0 plain lines; unset follows whether stderr is a TTY. */
  live?: boolean;
  /** HEADROOM_VERBOSE=1: debug lines. */
  verbose?: boolean;
  /** HEADROOM_BASELINE: the run `drill` compares against when --baseline is not given. */
  baseline?: string;
  /** HEADROOM_NOTIFY_URL: the webhook `drill --notify` posts to when the flag is not given. */
  notifyUrl?: string;
  /** DOCKER_HOST: the default Docker endpoint (unix://, tcp://, ssh:// or npipe://). */
  dockerHost?: string;
  /** DOCKER_CERT_PATH: ca.pem, cert.pem and key.pem for a tcp:// DOCKER_HOST with TLS. */
  dockerCertPath?: string;
  /** SSH_AUTH_SOCK: the ssh agent that ssh:// Docker endpoints authenticate with. */
  sshAgent?: string;
}

/** Variables this module reads, with what each expects (for errors and help). */
export const environmentVariables: Record<string, string> = {
  HEADROOM_BASE_IMAGE: "'scratch' or an image name such as node:20-slim",
  HEADROOM_HEALTH_TIMEOUT_S: 'seconds > 0, such as 30',
  HEADROOM_LIVE: '0 or 1',
  HEADROOM_VERBOSE: '0 or 1',
  HEADROOM_BASELINE: 'a run directory or summary.json',
  HEADROOM_NOTIFY_URL: 'an http:// or https:// URL',
  DOCKER_HOST:
    'a Docker endpoint like unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host or npipe:////./pipe/docker_engine',
  DOCKER_CERT_PATH: 'a folder holding ca.pem, cert.pem and key.pem',
  SSH_AUTH_SOCK: "the path of an ssh agent's socket",
};

/** The process's environment; everything else takes an env passed in (tests pass their own). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/** Reads and checks the environment once; a bad value is a ConfigError (exit 104) naming the variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): EnvOptions {
  const problems: ConfigError[] = [];
  const out: EnvOptions = {};
  const bad = (name: string, value: string, hint?: string) =>
    problems.push(
      new ConfigError('environment', name, `value '${value}': expected ${environmentVariables[name]}`, hint),
    );
  const given = (name: string): string | undefined =>
    env[name] === undefined || env[name] === '' ? undefined : env[name];
  const flag = (name: string): boolean | undefined => {
    const v = given(name);
    if (v === undefined) return undefined;
    if (v !== '0' && v !== '1') bad(name, v);
    return v === '1';
  };

  const image = given('HEADROOM_BASE_IMAGE');
  if (image !== undefined) {
    if (/\s/.test(image)) bad('HEADROOM_BASE_IMAGE', image);
    else out.baseImage = image;
  }
  const timeout = given('HEADROOM_HEALTH_TIMEOUT_S');
  if (timeout !== undefined) {
    const s = Number(timeout);
    if (!Number.isFinite(s) || s <= 0 || timeout.trim() === '') bad('HEADROOM_HEALTH_TIMEOUT_S', timeout);
    else out.healthTimeoutMs = s * 1000;
  }
  const live = flag('HEADROOM_LIVE');
  if (live !== undefined) out.live = live;
  const verbose = flag('HEADROOM_VERBOSE');
  if (verbose !== undefined) out.verbose = verbose;
  const baseline = given('HEADROOM_BASELINE');
  if (baseline !== undefined) out.baseline = baseline;
  const notify = given('HEADROOM_NOTIFY_URL');
  if (notify !== undefined) {
    if (!/^https?:\/\/\S+$/.test(notify)) bad('HEADROOM_NOTIFY_URL', notify);
    else out.notifyUrl = notify;
  }
  const docker = given('DOCKER_HOST');
  if (docker !== undefined) {
    // A bare socket path is not an endpoint (dockerode would read it as http://127.0.0.1:80): say which one was meant.
    if (docker.startsWith('/'))
      bad('DOCKER_HOST', docker, `a socket path needs the unix:// scheme: DOCKER_HOST=unix://${docker}`);
    else if (!/^(unix|tcp|ssh|npipe):\/\/./.test(docker)) bad('DOCKER_HOST', docker);
    else out.dockerHost = docker;
  }
  const certs = given('DOCKER_CERT_PATH');
  if (certs !== undefined) out.dockerCertPath = certs;
  const agent = given('SSH_AUTH_SOCK');
  if (agent !== undefined) out.sshAgent = agent;
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigErrors(problems);
  return out;
}

/** Layers of options, later ones winning; undefined never overrides a value. */
export function mergeOptions<T extends object>(...layers: (Partial<T> | undefined)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
