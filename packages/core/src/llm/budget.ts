import type {
  EmbedRequest,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateTextRequest,
  GenerateTextResult,
  LlmProvider,
} from '../contracts/llm-provider.js';
import { PromptheusError } from '../errors.js';
import { estimateTokens } from './call.js';

/** Options of {@link withBudget}. Leave a limit out to not limit that dimension. */
export interface LlmBudgetOptions {
  /**
   * Calls allowed in any 60-second window (a `generateObject` with a repair round is one call).
   * @default unlimited
   */
  readonly requestsPerMinute?: number;
  /**
   * Tokens (prompt + completion, as reported by the provider) allowed in any 60-second window.
   * A call is refused when the tokens already used plus an estimate of its prompt exceed it.
   * @default unlimited
   */
  readonly tokensPerMinute?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** What a budgeted provider has used in the current window. */
export interface LlmBudgetUsage {
  readonly requests: number;
  readonly tokens: number;
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
}

/** A provider wrapped by {@link withBudget}. */
export interface BudgetedLlmProvider extends LlmProvider {
  /** Requests and tokens used in the last 60 seconds. */
  usage(): LlmBudgetUsage;
}

const windowMs = 60_000;

interface Entry {
  readonly at: number;
  tokens: number;
}

/**
 * Limits a provider to a number of requests and tokens per minute. A call over budget is not
 * queued: it rejects at once with code `rate_limited` (`retryable: false`,
 * `details.retryAfterMs`), so callers take their fallback path (the deterministic RCA, the
 * offline translator, or the next provider of a fallback chain) instead of waiting.
 *
 * @example
 * ```ts
 * const llm = withBudget(createGeminiProvider(), { requestsPerMinute: 30, tokensPerMinute: 60_000 });
 * ```
 */
export function withBudget(provider: LlmProvider, options: LlmBudgetOptions): BudgetedLlmProvider {
  const requestsPerMinute = limit('requestsPerMinute', options.requestsPerMinute);
  const tokensPerMinute = limit('tokensPerMinute', options.tokensPerMinute);
  const now = options.now ?? Date.now;
  const entries: Entry[] = [];

  const prune = (at: number) => {
    while (entries.length > 0 && entries[0]!.at <= at - windowMs) entries.shift();
  };
  const tokensUsed = () => entries.reduce((sum, entry) => sum + entry.tokens, 0);

  const reserve = (estimatedTokens: number): Entry => {
    const at = now();
    prune(at);
    if (requestsPerMinute !== null && entries.length >= requestsPerMinute) {
      const retryAfterMs = entries[0]!.at + windowMs - at;
      throw refusal(provider, `${requestsPerMinute} requests per minute`, retryAfterMs, 'requestsPerMinute');
    }
    if (tokensPerMinute !== null && tokensUsed() + estimatedTokens > tokensPerMinute) {
      let freed = 0;
      let retryAfterMs = windowMs;
      const needed = tokensUsed() + estimatedTokens - tokensPerMinute;
      for (const entry of entries) {
        freed += entry.tokens;
        if (freed >= needed) {
          retryAfterMs = entry.at + windowMs - at;
          break;
        }
      }
      throw refusal(provider, `${tokensPerMinute} tokens per minute`, retryAfterMs, 'tokensPerMinute');
    }
    const entry: Entry = { at, tokens: estimatedTokens };
    entries.push(entry);
    return entry;
  };

  async function metered<R>(estimated: number, call: () => Promise<R>, tokensOf: (result: R) => number) {
    const entry = reserve(estimated);
    // A failed call keeps its prompt estimate: providers may bill a prompt they rejected late.
    const result = await call();
    entry.tokens = tokensOf(result);
    return result;
  }

  const budgeted: BudgetedLlmProvider = {
    name: provider.name,
    model: provider.model,
    usage() {
      prune(now());
      return { requests: entries.length, tokens: tokensUsed(), requestsPerMinute, tokensPerMinute };
    },
    generateText(request: GenerateTextRequest): Promise<GenerateTextResult> {
      return metered(
        promptTokens(request),
        () => provider.generateText(request),
        (result) => result.usage.totalTokens,
      );
    },
    generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      return metered(
        promptTokens(request),
        () => provider.generateObject(request),
        (result) => result.usage.totalTokens,
      );
    },
  };
  const embed = provider.embed?.bind(provider);
  if (embed) {
    return {
      ...budgeted,
      embed: (request: EmbedRequest) =>
        metered(
          request.texts.reduce((sum, text) => sum + estimateTokens(text), 0),
          () => embed(request),
          () => request.texts.reduce((sum, text) => sum + estimateTokens(text), 0),
        ),
    };
  }
  return budgeted;
}

function promptTokens(request: GenerateTextRequest): number {
  let tokens = 0;
  if (request.system) tokens += estimateTokens(request.system);
  if (request.prompt) tokens += estimateTokens(request.prompt);
  for (const message of request.messages ?? []) tokens += estimateTokens(message.content);
  return tokens;
}

function refusal(
  provider: LlmProvider,
  budget: string,
  retryAfterMs: number,
  limitName: 'requestsPerMinute' | 'tokensPerMinute',
): PromptheusError {
  const waitMs = Math.max(0, Math.ceil(retryAfterMs));
  return new PromptheusError(
    'rate_limited',
    `The LLM budget of ${budget} for ${provider.name} is used up; the next call fits in ${Math.ceil(waitMs / 1000)} s`,
    { retryable: false, details: { provider: provider.name, limit: limitName, retryAfterMs: waitMs } },
  );
}

function limit(option: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value <= 0) {
    throw new PromptheusError(
      'config',
      `withBudget: ${option} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}
