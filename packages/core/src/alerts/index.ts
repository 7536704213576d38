export * from './backoff.js';
export * from './dispatcher.js';
export * from './grouping.js';
export * from './matchers.js';
