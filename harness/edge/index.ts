// Public face of edge/: a real HAProxy in front of the replicas. Its config from the cluster's DCs
// and demand, its image built offline, its runtime API, a router that moves DC weights there,
// and the safety net (one owner at a time, saved weights, restore, dead-man watchdog).
export { backendOf, edgeFromReplicas, edgeServers, haproxyConfig } from './config';
export type { EdgeFrontend, EdgeServer, EdgeSpec } from './config';
export { checkConfig, defaultHaproxyBinary } from './check';
export { edgeConfigRecipe, haproxyRecipe } from './image';
export { edgeLabel, startEdgeContainer } from './container';
export type { EdgeContainerOptions, RunningEdge } from './container';
export { RuntimeClient, RuntimeUnreachable } from './runtime';
export type { ServerWeight, WeightSnapshot } from './runtime';
export { formatRuntimeAddress, parseRuntimeAddress } from './runtime-address';
export type { RuntimeAddress } from './runtime-address';
export type { StatRow } from './stat-csv';
export { boundedShares, dcShares, maxServerWeight, serverWeights } from './server-weights';
export type { EdgeServerRef } from './server-weights';
export { EdgeRouter } from './edge-router';
export type { EdgeRouterOptions, EdgeStepWeights } from './edge-router';
export { readWeights, restoreFromFile, saveWeights, weightsFile } from './weights-file';
export { startHeartbeat, startWatchdog } from './watchdog';
export type { Heartbeat, Watchdog } from './watchdog';
export { openEdgeSession } from './session';
export type { EdgeOwnership, EdgeSession, EdgeSessionOptions } from './session';
export { describeOwner, EdgeClaimHeld, EdgeClaimLost, readClaim, releaseClaim, takeClaim } from './claim';
export type { ClaimOwner, ClaimView, EdgeClaim } from './claim';
export { checkFoundWeights } from './found-weights';
export { edgeCommand, edgeUsage } from './restore-command';
export { serverFigures } from './server-figures';
export type { ServerFigures } from './server-figures';
