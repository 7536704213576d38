export * from './answer.js';
export * from './catalog.js';
export * from './create-ask.js';
export * from './execute.js';
export { type FollowupInput, metricPhrase, suggestFollowups } from './followups.js';
export * from './intent.js';
export * from './knowledge.js';
export * from './layout.js';
export * from './promql.js';
export { type OutputUnit, type Token, tokenize } from './question.js';
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
export * from './translate-llm.js';
export {
  type OfflineTranslation,
  type OfflineTranslatorOptions,
  type QueryShape,
  translateOffline,
  type UnknownValue,
} from './translate-offline.js';
