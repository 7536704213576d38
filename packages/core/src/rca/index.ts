export { type Analyst, type AnalystContext, type AnalystOptions, createAnalyst } from './analyst.js';
export { selectRelatedAnomalies, selectRelatedSeries } from './context.js';
export { buildFallbackRca, type FallbackRcaOptions } from './fallback.js';
export { type MetricFamily, metricFamily } from './families.js';
export {
  buildRcaPrompt,
  DATA_CLOSE,
  DATA_OPEN,
  RCA_SYSTEM_PROMPT,
  type RcaPrompt,
  type RcaPromptOptions,
} from './prompt.js';
