/**
 * Test helpers for code built on Promptheus: the store conformance suite, a mock LLM provider,
 * a recording notifier and a real-Prometheus harness.
 *
 * @packageDocumentation
 * @module @promptheus/core/testing
 */

export { createMemoryStore } from '../store/memory-store.js';
export * from './exporter.js';
export * from './mock-llm-provider.js';
export * from './prometheus.js';
export * from './recording-notifier.js';
export * from './store-conformance.js';
