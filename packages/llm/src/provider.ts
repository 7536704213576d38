import {
  type EmbedRequest,
  type GenerateObjectRequest,
  type GenerateObjectResult,
  type GenerateTextRequest,
  type GenerateTextResult,
  generateObjectWithRepair,
  type JsonSchema,
  type LlmProvider,
  runWithDeadline,
  type TokenUsage,
} from '@promptheus/core';

/** One answer of a model: its text, the tokens it used and the model that wrote it. */
export interface ModelTurn {
  readonly text: string;
  readonly usage: TokenUsage;
  readonly model: string;
}

/** Asks for JSON output, shaped by `schema` when there is one. */
export interface JsonOutput {
  readonly schema: JsonSchema | undefined;
}

/** What an API-specific provider implements; {@link assembleProvider} builds the rest around it. */
export interface ProviderParts {
  readonly name: string;
  readonly model: string;
  /** Deadline of calls that set no `timeoutMs`. */
  readonly defaultTimeoutMs: number;
  /** One call of the model under `signal`; `json` asks for JSON output. */
  generate(
    request: GenerateTextRequest,
    json: JsonOutput | undefined,
    signal: AbortSignal,
  ): Promise<ModelTurn>;
  /** Embeds one or more texts under `signal`, one vector per text. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<number[][]>;
}

/** An {@link LlmProvider} with embeddings. */
export interface EmbeddingProvider extends LlmProvider {
  embed(request: EmbedRequest): Promise<number[][]>;
}

/**
 * Builds an {@link LlmProvider} from the API-specific parts: every call runs under the request's
 * deadline and signal (or the provider's default deadline), `generateObject` validates with zod and
 * repairs once, latency is measured, and `embed` of no texts answers without a call.
 */
export function assembleProvider(parts: ProviderParts): EmbeddingProvider {
  const { name, model } = parts;
  const limits = (request: { readonly timeoutMs?: number; readonly signal?: AbortSignal }) => ({
    timeoutMs: request.timeoutMs ?? parts.defaultTimeoutMs,
    signal: request.signal,
  });
  return {
    name,
    model,
    async generateText(request: GenerateTextRequest): Promise<GenerateTextResult> {
      const startedAt = Date.now();
      const turn = await runWithDeadline(`${name} generateText`, limits(request), (signal) =>
        parts.generate(request, undefined, signal),
      );
      return { ...turn, provider: name, latencyMs: Date.now() - startedAt };
    },
    generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      return generateObjectWithRepair(
        { ...request, ...limits(request) },
        {
          provider: name,
          model,
          generate: (turn) => parts.generate(turn.request, { schema: turn.jsonSchema }, turn.signal),
        },
      );
    },
    embed(request: EmbedRequest): Promise<number[][]> {
      if (request.texts.length === 0) return Promise.resolve([]);
      return runWithDeadline(`${name} embed`, limits(request), (signal) =>
        parts.embed(request.texts, signal),
      );
    },
  };
}

/**
 * Loads a client at the first call and keeps it; a load that failed is tried again at the next
 * call (so a key set or an SDK installed later is picked up).
 */
export function lazyClient<Client>(load: () => Promise<Client>): () => Promise<Client> {
  let loading: Promise<Client> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
