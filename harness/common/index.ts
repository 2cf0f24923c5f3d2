export * from './errors';
export * from './durations';
export * from './logger';
export * from './loopback';
