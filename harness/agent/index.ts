// agent/: generator agents. `headroom agent` serves the load engine over gRPC (server.ts); the fleet
// (fleet.ts) steers N of them with the load engine's face and merges their reports into one store.
export { Fleet } from './fleet';
export type { FleetOptions, FleetEvent, AgentSource, AgentInfo } from './fleet';
export { startAgentServer, parseListen } from './server';
export type { AgentServer, AgentServerOptions } from './server';
export { spawnLocalAgents } from './spawn';
export type { LocalAgent, SpawnOptions } from './spawn';
export { main as agentMain, parseAgentArgs } from './main';
export { Watchdog, splitRate } from './watchdog';
export { agentProto } from './wire';
