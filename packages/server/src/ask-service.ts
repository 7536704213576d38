import { type Ask, type CatalogMetric, PromptheusError, retrieveMetrics } from '@promptheus/core';
import type { AskService } from './types.js';

/** Turns the chat-style `context` (a note, earlier turns, or named values) into the pipeline's context object. */
function toPipelineContext(context: unknown): Readonly<Record<string, unknown>> | undefined {
  if (context === undefined || context === null) return undefined;
  if (typeof context === 'string') return context.trim() === '' ? undefined : { note: context };
  if (Array.isArray(context)) return context.length === 0 ? undefined : { messages: context };
  if (typeof context === 'object') return context as Readonly<Record<string, unknown>>;
  return undefined;
}

/** A question about one metric that the offline translator can answer. */
function questionFor(metric: CatalogMetric): string {
  const by = ['instance', 'job', 'route', 'handler', 'service'].find((label) => metric.labels.has(label));
  const breakdown = by ? ` by ${by}` : '';
  if (metric.type === 'histogram') return `p95 of ${metric.name}${breakdown} over the last hour`;
  if (metric.type === 'counter') return `Rate of ${metric.name}${breakdown}`;
  return `Show ${metric.name}${breakdown}`;
}

/**
 * Adapts the Ask pipeline from `@promptheus/core` (`createAsk`) to the server: maps the request
 * and the answer, answers 503 (code `network`/`timeout`) when Prometheus cannot be reached, and
 * suggests questions about the metrics of the catalog that match a partial prompt.
 *
 * @example
 * ```ts
 * const app = createApp({ store, ask: createAskService(createAsk({ prometheus, store, events })) });
 * ```
 */
export function createAskService(ask: Ask): AskService {
  return {
    async ask(request) {
      const context = toPipelineContext(request.context);
      const result = await ask.ask(
        { message: request.prompt, sessionId: request.sessionId ?? null, ...(context ? { context } : {}) },
        request.signal ? { signal: request.signal } : {},
      );
      const error = result.error;
      if (error && (error.code === 'network' || error.code === 'timeout') && result.data === null) {
        throw new PromptheusError(
          error.code,
          result.answer || `Prometheus did not answer: ${error.message}`,
          {
            retryable: true,
            details: { promql: result.promql, session_id: result.sessionId },
          },
        );
      }
      return {
        promql: result.promql,
        data: result.data,
        layout: result.layout,
        answer: result.answer,
        followups: result.followups,
        intent: result.intent,
        sessionId: result.sessionId,
        usage: result.usage,
        translator: result.translator,
        error:
          error ??
          (result.promql === null && result.reason ? { code: 'unanswerable', message: result.reason } : null),
        explanation: result.explanation,
        closest: result.closest,
        warnings: result.warnings,
      };
    },
    async suggest(prompt, options) {
      const limit = options?.limit ?? 5;
      let snapshot = ask.catalog.peek();
      if (!snapshot) {
        try {
          snapshot = await ask.catalog.get({ signal: AbortSignal.timeout(1500) });
        } catch {
          return [];
        }
      }
      if (prompt.trim() === '') return [];
      return retrieveMetrics(snapshot, prompt, { limit }).map((retrieved) => questionFor(retrieved.metric));
    },
  };
}
