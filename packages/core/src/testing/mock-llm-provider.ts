import type {
  EmbedRequest,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateTextRequest,
  GenerateTextResult,
  LlmProvider,
} from '../contracts/llm-provider.js';
import { PromptheusError } from '../errors.js';
import { estimateTokens, runWithDeadline } from '../llm/call.js';
import { generateObjectWithRepair, type JsonSchema } from '../llm/structured-output.js';
import type { TokenUsage } from '../model/common.js';
import { sleep } from '../util/abort.js';

/**
 * One scripted answer of a {@link MockLlmProvider}:
 * - a string: the model's reply text;
 * - `{ text }` or `{ object }` (serialised to JSON), with optional `usage` and `delayMs`;
 * - `{ error }`: the call throws this error (for example a retryable `PromptheusError('llm', ...)`);
 * - `{ hang: true }`: the call never answers, so it ends only by the caller's timeout or abort.
 */
export type MockLlmResponse =
  | string
  | {
      readonly text: string;
      readonly usage?: Partial<TokenUsage>;
      /** Milliseconds to wait before answering (aborts with the caller's signal). */
      readonly delayMs?: number;
    }
  | { readonly object: unknown; readonly usage?: Partial<TokenUsage>; readonly delayMs?: number }
  | { readonly error: unknown; readonly delayMs?: number }
  | { readonly hang: true };

/** One model call the mock received (a `generateObject` with a repair round records two). */
export interface MockLlmCall {
  /** Which method made the call. */
  readonly kind: 'text' | 'object' | 'embed';
  /** Zero-based index over all calls of this provider. */
  readonly index: number;
  /** The request as the model saw it (for a repair round: with the repair conversation). */
  readonly request: GenerateTextRequest;
  /** For `generateObject`: the JSON Schema a real provider would send to the API. */
  readonly jsonSchema?: JsonSchema;
  /** For `generateObject`: 1 for the first round, 2 for the repair round. */
  readonly attempt?: 1 | 2;
  /** For `embed`: the texts. */
  readonly texts?: readonly string[];
}

/** Decides the answer to a call from the call itself (prompt, attempt, index). */
export type MockLlmScript = (call: MockLlmCall) => MockLlmResponse | Promise<MockLlmResponse>;

/** Options of {@link createMockLlmProvider}. */
export interface MockLlmProviderOptions {
  /**
   * The answers, in order (one per model call; a repair round is a call of its own), or a
   * function of the call. When a list runs out the call fails with code `internal`, naming the
   * call, so a test notices an unexpected extra call.
   * @default [] (every call fails)
   */
  readonly responses?: readonly MockLlmResponse[] | MockLlmScript;
  /** @default 'mock' */
  readonly name?: string;
  /** @default 'mock-model' */
  readonly model?: string;
  /**
   * Vectors returned by `embed`. @default a deterministic 8-dimensional vector per text
   * derived from its characters
   */
  readonly embed?: (text: string) => readonly number[];
}

/** A scripted {@link LlmProvider} that records every call. */
export interface MockLlmProvider extends LlmProvider {
  /** Every model call so far, oldest first. */
  readonly calls: readonly MockLlmCall[];
  /** Forgets recorded calls and restarts a response list from its first entry. */
  reset(): void;
  embed(request: EmbedRequest): Promise<number[][]>;
}

/**
 * Creates a scripted LLM provider for tests: it answers from a list or a function, can fail or
 * hang, records every call in `provider.calls`, reports token usage (given, or estimated from the
 * text), and implements `generateObject` with the same zod validation and single repair round as
 * the real providers.
 *
 * @example
 * ```ts
 * const provider = createMockLlmProvider({
 *   responses: ['{"cause": 42}', { object: { cause: 'disk full' } }],
 * });
 * const { object } = await provider.generateObject({ prompt: 'why?', schema: z.object({ cause: z.string() }) });
 * // object.cause === 'disk full'; provider.calls.length === 2 (the first reply failed validation)
 * ```
 */
export function createMockLlmProvider(options: MockLlmProviderOptions = {}): MockLlmProvider {
  const name = options.name ?? 'mock';
  const model = options.model ?? 'mock-model';
  const script = options.responses ?? [];
  const calls: MockLlmCall[] = [];
  let cursor = 0;

  const nextResponse = async (call: MockLlmCall): Promise<MockLlmResponse> => {
    if (typeof script === 'function') return script(call);
    const response = script[cursor];
    if (response === undefined) {
      throw new PromptheusError(
        'internal',
        `mock LLM provider "${name}" has no scripted response for call #${call.index + 1} ` +
          `(${script.length} scripted)`,
      );
    }
    cursor++;
    return response;
  };

  /** Runs one scripted call; returns text and usage, or throws what the script says. */
  const answer = async (
    call: MockLlmCall,
    signal: AbortSignal,
  ): Promise<{ text: string; usage: TokenUsage }> => {
    calls.push(call);
    const response = await nextResponse(call);
    if (typeof response === 'string') return { text: response, usage: usageFor(call.request, response) };
    if ('hang' in response) {
      await new Promise<never>((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if ('delayMs' in response && response.delayMs !== undefined) await sleep(response.delayMs, signal);
    if ('error' in response) throw response.error;
    const text =
      'text' in response ? response.text : JSON.stringify((response as { object: unknown }).object);
    const given = 'usage' in response ? response.usage : undefined;
    return { text, usage: usageFor(call.request, text, given) };
  };

  const provider: MockLlmProvider = {
    name,
    model,
    get calls() {
      return calls;
    },
    reset() {
      calls.length = 0;
      cursor = 0;
    },
    async generateText(request: GenerateTextRequest): Promise<GenerateTextResult> {
      const startedAt = Date.now();
      const { timeoutMs: _timeout, signal: _signal, ...plain } = request;
      const result = await runWithDeadline(`${name} generateText`, request, (signal) =>
        answer({ kind: 'text', index: calls.length, request: plain }, signal),
      );
      return { ...result, provider: name, model, latencyMs: Date.now() - startedAt };
    },
    generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      return generateObjectWithRepair(request, {
        provider: name,
        model,
        generate: (turn) =>
          answer(
            {
              kind: 'object',
              index: calls.length,
              request: turn.request,
              attempt: turn.attempt,
              ...(turn.jsonSchema === undefined ? {} : { jsonSchema: turn.jsonSchema }),
            },
            turn.signal,
          ),
      });
    },
    async embed(request: EmbedRequest): Promise<number[][]> {
      return runWithDeadline(`${name} embed`, request, async () => {
        calls.push({ kind: 'embed', index: calls.length, request: {}, texts: [...request.texts] });
        return request.texts.map((text) => [...(options.embed ?? defaultEmbedding)(text)]);
      });
    },
  };
  return provider;
}

function usageFor(request: GenerateTextRequest, text: string, given?: Partial<TokenUsage>): TokenUsage {
  const promptText = [
    request.system,
    ...(request.messages ?? []).map((message) => message.content),
    request.prompt,
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');
  const promptTokens = given?.promptTokens ?? estimateTokens(promptText);
  const completionTokens = given?.completionTokens ?? estimateTokens(text);
  return {
    promptTokens,
    completionTokens,
    totalTokens: given?.totalTokens ?? promptTokens + completionTokens,
  };
}

function defaultEmbedding(text: string): number[] {
  const vector = new Array<number>(8).fill(0);
  for (let index = 0; index < text.length; index++) {
    const slot = index % 8;
    vector[slot] = (vector[slot] ?? 0) + (text.charCodeAt(index) % 97) / 97;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}
