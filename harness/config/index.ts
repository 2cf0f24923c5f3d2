// Public face of config/: loaders for cluster files (and scenario files, added by their loader).
export { loadClusterFile, parseClusterFile } from './cluster';
export * from './scenario';
export { loadTierOf } from './scenario-tiers';
