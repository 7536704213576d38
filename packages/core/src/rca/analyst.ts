import type { PromptheusEvents } from '../contracts/events.js';
import type { GenerateObjectResult, LlmProvider } from '../contracts/llm-provider.js';
import type { Store } from '../contracts/store.js';
import { errorMessage, PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import { addUsage, type TokenUsage } from '../model/common.js';
import { type Rca, type RcaContent, rcaContentSchema } from '../model/rca.js';
import type { Sample } from '../model/sample.js';
import { deadline, raceAbort } from '../util/abort.js';
import type { Emitter } from '../util/emitter.js';
import { createId } from '../util/id.js';
import { selectRelatedAnomalies, selectRelatedSeries } from './context.js';
import { buildFallbackRca } from './fallback.js';
import { buildRcaPrompt } from './prompt.js';

/** What the analyst may look at besides the anomaly itself. */
export interface AnalystContext {
  /** Samples of the tick that found the anomaly; the analyst picks the most related ones. */
  readonly samples?: readonly Sample[];
  /** Anomalies firing now; the most related ones are shown to the model. */
  readonly firing?: readonly Anomaly[];
  /** Aborting it ends the LLM call early; the analyst then stores the fallback analysis. */
  readonly signal?: AbortSignal;
}

/** Writes root-cause analyses of anomalies. */
export interface Analyst {
  /**
   * Returns the root-cause analysis of an anomaly, stored in `store.rca`. Uses the LLM when one is
   * configured, the deterministic fallback otherwise or when the LLM fails, and reuses a recent
   * LLM analysis of the same fingerprint within the cooldown. Never throws for LLM or store
   * failures (a failed store write is reported through the `error` event).
   */
  analyse(anomaly: Anomaly, context?: AnalystContext): Promise<Rca>;
}

/** Options of {@link createAnalyst}. */
export interface AnalystOptions {
  /** The model that writes analyses; `null` or absent means every analysis is the fallback, without any network call. */
  readonly llm?: LlmProvider | null;
  /** Where analyses are stored and looked up for reuse. */
  readonly store: Pick<Store, 'rca'>;
  /**
   * An anomaly whose fingerprint was analysed less than this many ms ago reuses that analysis
   * instead of calling the LLM again.
   * @default 900000 (15 minutes)
   */
  readonly cooldownMs?: number;
  /** How many related series the prompt shows the model. @default 15 */
  readonly contextSize?: number;
  /** How many other firing anomalies the prompt shows the model. @default 5 */
  readonly firingContextSize?: number;
  /** Receives `llm:call` events (with token usage) and `error` events. */
  readonly events?: Emitter<PromptheusEvents>;
  /** Deadline of one analysis (LLM call and its one retry), in ms. @default 15000 */
  readonly timeoutMs?: number;
  /** Upper bound on tokens the model may generate. @default 1024 */
  readonly maxOutputTokens?: number;
  /** Longest label value copied into the prompt. @default 120 */
  readonly maxLabelValueLength?: number;
  /** Longest text kept per field of the model's answer; longer answers are cut. @default 2000 */
  readonly maxFieldLength?: number;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/**
 * Creates the analyst that writes root-cause analyses: it builds a prompt from the anomaly and up
 * to `contextSize` related series (label values quoted as data, never instructions), asks the LLM
 * for `{ summary, simplified, cause, fix }` validated with zod, retries once, and falls back to a
 * deterministic analysis built from the detector's evidence when the LLM is not configured, fails
 * or times out.
 *
 * @example
 * ```ts
 * const analyst = createAnalyst({ llm: createGeminiProvider(), store, events });
 * const rca = await analyst.analyse(anomaly, { samples: collection.samples });
 * console.log(rca.source, rca.summary);
 * ```
 */
export function createAnalyst(options: AnalystOptions): Analyst {
  const llm = options.llm ?? null;
  const store = options.store;
  const cooldownMs = validNumber('cooldownMs', options.cooldownMs ?? 15 * 60_000, 0);
  const contextSize = validNumber('contextSize', options.contextSize ?? 15, 0);
  const firingContextSize = validNumber('firingContextSize', options.firingContextSize ?? 5, 0);
  const timeoutMs = validNumber('timeoutMs', options.timeoutMs ?? 15_000, 1);
  const maxOutputTokens = options.maxOutputTokens ?? 1024;
  const maxFieldLength = validNumber('maxFieldLength', options.maxFieldLength ?? 2000, 1);
  const maxLabelValueLength = validNumber('maxLabelValueLength', options.maxLabelValueLength ?? 120, 1);
  const clock = options.clock ?? Date.now;
  const events = options.events;
  /** The latest analysis running per fingerprint, so concurrent requests for one problem make one LLM call. */
  const running = new Map<string, Promise<Rca>>();

  const reportError = (error: unknown) => events?.emit('error', { source: 'analyst', error });

  const store_ = async (rca: Rca): Promise<Rca> => {
    try {
      await store.rca.insert(rca);
    } catch (error) {
      reportError(error);
    }
    return rca;
  };

  const makeFallback = (anomaly: Anomaly, reason: string, context: AnalystContext | undefined): Rca => {
    const now = clock();
    const related = (
      context?.firing ? selectRelatedAnomalies(anomaly, context.firing, firingContextSize) : []
    ).map((other) => `${other.metric} (${other.reason})`);
    return {
      ...buildFallbackRca(anomaly, { now, related }),
      id: createId(now),
      anomalyId: anomaly.id,
      fingerprint: anomaly.fingerprint,
      source: 'fallback',
      provider: null,
      model: null,
      usage: null,
      fallbackReason: reason,
      createdAt: now,
    };
  };

  const callModel = async (
    provider: LlmProvider,
    anomaly: Anomaly,
    context: AnalystContext | undefined,
  ): Promise<{ rca: Rca } | { failure: string }> => {
    const now = clock();
    const { system, prompt } = buildRcaPrompt(anomaly, {
      related: context?.samples ? selectRelatedSeries(anomaly, context.samples, contextSize) : [],
      firing: context?.firing ? selectRelatedAnomalies(anomaly, context.firing, firingContextSize) : [],
      maxValueLength: maxLabelValueLength,
      now,
    });
    const scope = deadline('RCA analysis', timeoutMs, context?.signal);
    const startedAt = performance.now();
    let usage: TokenUsage | undefined;
    let lastFailure = 'LLM failed';
    try {
      let request = prompt;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const remaining = timeoutMs - (performance.now() - startedAt);
        if (scope.signal.aborted || remaining < 1) break;
        const callStartedAt = performance.now();
        let result: GenerateObjectResult<RcaContent>;
        try {
          result = await raceAbort(
            provider.generateObject({
              system,
              prompt: request,
              schema: rcaContentSchema,
              schemaName: 'root_cause_analysis',
              maxOutputTokens,
              temperature: 0.2,
              timeoutMs: Math.max(1, Math.floor(remaining)),
              signal: scope.signal,
            }),
            scope.signal,
          );
        } catch (error) {
          const failure = scope.signal.aborted ? scope.signal.reason : error;
          lastFailure = describeFailure(failure);
          events?.emit('llm:call', {
            provider: provider.name,
            model: provider.model,
            purpose: 'rca',
            latencyMs: performance.now() - callStartedAt,
            usage: null,
            ok: false,
            error: lastFailure,
          });
          const retry = !scope.signal.aborted && PromptheusError.isInstance(error) && error.retryable;
          if (retry) continue;
          break;
        }
        usage = addUsage(usage, result.usage);
        events?.emit('llm:call', {
          provider: result.provider,
          model: result.model,
          purpose: 'rca',
          latencyMs: result.latencyMs,
          usage: result.usage,
          ok: true,
        });
        const parsed = rcaContentSchema.safeParse(trimContent(result.object, maxFieldLength));
        if (parsed.success) {
          const createdAt = clock();
          return {
            rca: {
              ...parsed.data,
              id: createId(createdAt),
              anomalyId: anomaly.id,
              fingerprint: anomaly.fingerprint,
              source: 'llm',
              provider: result.provider,
              model: result.model,
              usage: usage ?? null,
              fallbackReason: null,
              createdAt,
            },
          };
        }
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`,
        );
        lastFailure = `LLM output invalid: ${problems.join('; ')}`;
        request = `${prompt}\n\nYour previous answer was invalid (${problems.join('; ')}). Reply again with a JSON object with non-empty string fields summary, simplified, cause and fix.`;
      }
    } finally {
      scope.dispose();
    }
    return { failure: lastFailure };
  };

  const analyseNow = async (anomaly: Anomaly, context: AnalystContext | undefined): Promise<Rca> => {
    const now = clock();
    let previous: Rca | null = null;
    if (cooldownMs > 0) {
      try {
        previous = await store.rca.findLatestByFingerprint(anomaly.fingerprint, now - cooldownMs);
      } catch (error) {
        reportError(error);
      }
    }
    if (previous?.anomalyId === anomaly.id) return previous;
    if (previous?.source === 'llm') {
      // The same problem was explained moments ago: reuse the explanation, spend no tokens.
      return store_({ ...previous, id: createId(now), anomalyId: anomaly.id, usage: null });
    }
    if (!llm) return store_(makeFallback(anomaly, 'LLM not configured', context));
    if (previous) {
      const seconds = Math.round(cooldownMs / 1000);
      const before = previous.fallbackReason ?? 'fallback';
      return store_(
        makeFallback(
          anomaly,
          `LLM not asked again within the ${seconds} s cooldown (last attempt: ${before})`,
          context,
        ),
      );
    }
    if (context?.signal?.aborted) {
      return store_(
        makeFallback(anomaly, `analysis skipped: ${describeFailure(context.signal.reason)}`, context),
      );
    }
    let outcome: { rca: Rca } | { failure: string };
    try {
      outcome = await callModel(llm, anomaly, context);
    } catch (error) {
      outcome = { failure: describeFailure(error) };
    }
    if ('rca' in outcome) return store_(outcome.rca);
    return store_(makeFallback(anomaly, outcome.failure, context));
  };

  return {
    analyse(anomaly, context) {
      // Analyses of one fingerprint run one after the other, so the second reuses the first.
      const pending = running.get(anomaly.fingerprint);
      const analysis = (
        pending
          ? pending.then(
              () => analyseNow(anomaly, context),
              () => analyseNow(anomaly, context),
            )
          : analyseNow(anomaly, context)
      ).finally(() => {
        if (running.get(anomaly.fingerprint) === analysis) running.delete(anomaly.fingerprint);
      });
      running.set(anomaly.fingerprint, analysis);
      return analysis;
    },
  };
}

function describeFailure(error: unknown): string {
  if (PromptheusError.hasCode(error, 'timeout')) return `LLM timed out: ${error.message}`;
  if (PromptheusError.hasCode(error, 'aborted')) {
    const why = error.cause === undefined ? error.message : errorMessage(error.cause);
    return `LLM call aborted: ${why}`;
  }
  return `LLM failed: ${errorMessage(error)}`.slice(0, 500);
}

/** Trims the model's fields and cuts them to `max` characters. */
function trimContent(value: unknown, max: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    result[key] = typeof field === 'string' ? field.trim().slice(0, max) : field;
  }
  return result;
}

function validNumber(name: string, value: number, minimum: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < minimum) {
    throw new PromptheusError(
      'invalid_input',
      `createAnalyst: ${name} must be a number >= ${minimum}, got ${value}`,
    );
  }
  return value;
}
