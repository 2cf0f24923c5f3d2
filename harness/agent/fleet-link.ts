// One agent as the fleet sees it (its stream, counters and watchdog), the fleet's options and events,
// and the plan each agent is sent when it joins.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common';
import type { LoadEngineOptions } from '../load';
import type { LocalAgent, SpawnOptions } from './spawn';
import { Watchdog } from './watchdog';
import { type WireCommand, type WireReport, replicaToWire } from './wire';

/** Where agents come from: local child processes, or addresses of agents started elsewhere. */

export type AgentSource = { local: number; spawn?: SpawnOptions } | { addresses: string[] };

/**
 * The engine's own options (each agent runs a load engine with its share of them), the in-flight cap over
 * the whole fleet, and how the fleet finds, splits and watches its agents.
 */
export interface FleetOptions
  extends Pick<
    LoadEngineOptions,
    | 'replicas'
    | 'mix'
    | 'metrics'
    | 'timeoutMs'
    | 'maxInFlight'
    | 'spread'
    | 'allowTargets'
    | 'seed'
    | 'protoBaseDir'
    | 'file'
  > {
  agents: AgentSource;
  /** 'equal' (default) or 'capacity' (in proportion to what each agent declared). */
  split?: 'equal' | 'capacity';
  /** Either end gives up on the other after this much silence (default 2000 ms). */
  silenceMs?: number;
  /** How often the controller speaks when it has nothing else to say (default 500 ms). */
  heartbeatMs?: number;
  /** Epoch ms after which agents stop on their own (0 = none). */
  deadlineMs?: number;
  /** How long to wait for an agent's first word (default 60 s). */
  connectTimeoutMs?: number;
  onEvent?: (e: FleetEvent) => void;
  logger?: Logger;
}

/** Something the step can record: an agent joined, was lost (its share moved) or stopped. */
export interface FleetEvent {
  type: 'agent-joined' | 'agent-lost' | 'agent-stopped';
  agent: string;
  /** Epoch ms (the metrics store's clock). */
  atMs: number;
  reason: string;
  /** The rate of each agent after the event. */
  rates: Record<string, number>;
}

export interface AgentInfo {
  address: string;
  name: string;
  pid: number;
  capacity: number;
  alive: boolean;
  rate: number;
  /** Requests ended that this agent reported so far (merged into the store). */
  reported: { count: number; failed: number; dropped: number };
  /** Counters as the agent reported them (cumulative). */
  sent: number;
  completed: number;
}

export class AgentLink {
  name = '';
  pid = 0;
  capacity = 0;
  alive = true;
  finished = false;
  rate = 0;
  inFlight = 0;
  sent = 0;
  completed = 0;
  failed = 0;
  dropped = 0;
  reported = { count: 0, failed: 0, dropped: 0 };
  /** Every second before this one (epoch s) is in the store. */
  reportedSec = -Infinity;
  outstanding: Record<string, number> = {};
  watchdog: Watchdog;
  final!: Promise<void>;
  resolveFinal!: () => void;
  constructor(
    readonly address: string,
    readonly client: grpc.Client,
    readonly call: grpc.ClientDuplexStream<WireCommand, WireReport>,
    silenceMs: number,
    readonly local?: LocalAgent,
  ) {
    this.watchdog = new Watchdog(silenceMs, () => performance.now());
    this.final = new Promise((r) => (this.resolveFinal = r));
  }
  send(c: WireCommand): void {
    if (!this.alive || this.finished) return;
    try {
      this.call.write(c);
    } catch {
      // the stream is gone; the watchdog or the 'error' event says so
    }
  }
}

/** The plan agent `i` runs: the mix, the replicas, its share of the in-flight cap and its own seed; rate 0 until told. */
export function planCommand(opts: FleetOptions, i: number, perAgent: number, mixJson: string): WireCommand {
  return {
    command: 'plan',
    plan: {
      mixJson,
      replicas: opts.replicas.map(replicaToWire),
      rate: 0,
      weights: null,
      timeoutMs: opts.timeoutMs ?? 0,
      maxInFlight: perAgent,
      deadlineMs: opts.deadlineMs ?? 0,
      seed: (opts.seed ?? 1) + i,
      spread: opts.spread ?? '',
      allowTargets: opts.allowTargets ?? [],
      tags: {},
      file: opts.file ?? '',
      protoBaseDir: opts.protoBaseDir ?? '',
      silenceMs: opts.silenceMs ?? 2000,
      reportMs: 1000,
    },
  };
}
