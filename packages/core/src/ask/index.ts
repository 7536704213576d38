export * from './catalog.js';
export * from './knowledge.js';
export * from './promql.js';
export {
  type CatalogIndex,
  catalogIndex,
  closestMetricNames,
  findValueMentions,
  type RetrievedMetric,
  type RetrieveOptions,
  retrieveMetrics,
  type ValueMention,
} from './retrieval.js';
export { splitName, stem } from './text.js';
