export * from './catalog.js';
export * from './knowledge.js';
export * from './promql.js';
export * from './question.js';
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
export {
  type OfflineTranslation,
  type OfflineTranslatorOptions,
  type QueryShape,
  translateOffline,
} from './translate-offline.js';
