export * from './errors';
export * from './durations';
export * from './logger';
