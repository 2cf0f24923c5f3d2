export * from './errors';
export * from './durations';
export * from './logger';
export * from './options';
export * from './paths';
export * from './typescript';
export * from './loopback';
export * from './time-limit';
