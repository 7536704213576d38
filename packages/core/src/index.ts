/**
 * Promptheus core: contracts, models, the Prometheus client, NL→PromQL, detectors, the monitor
 * and the alert dispatcher.
 *
 * @packageDocumentation
 * @module @promptheus/core
 */
export * from './alerts/index.js';
export * from './ask/index.js';
export type * from './contracts/detector.js';
export type * from './contracts/events.js';
export type * from './contracts/llm-provider.js';
export type * from './contracts/metrics-source.js';
export type * from './contracts/notifier.js';
export * from './contracts/pipeline.js';
export type * from './contracts/store.js';
export * from './detectors/index.js';
export * from './errors.js';
export * from './llm/budget.js';
export * from './llm/call.js';
export * from './llm/fallback-provider.js';
export * from './llm/structured-output.js';
export * from './model/index.js';
export * from './monitor/index.js';
export * from './prometheus/client.js';
export type { ResponseContext } from './prometheus/response.js';
export * from './prometheus/source.js';
export type * from './prometheus/types.js';
export { parseSampleValue } from './prometheus/values.js';
export {
  createVectorDecoder,
  type DecodedSamples,
  decodeVectorSamples,
  decodeVectorSamplesSafely,
  scanVectorSamples,
  type VectorDecoder,
  type VectorDecoderOptions,
} from './prometheus/vector-samples.js';
export * from './rca/index.js';
export * from './store/memory-store.js';
export * from './store/store-input.js';
export * from './store/stored-record.js';
export * from './util/abort.js';
export * from './util/emitter.js';
export * from './util/id.js';
