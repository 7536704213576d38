import type { z } from 'zod';
import type { TokenUsage } from '../model/common.js';

/** One earlier turn of a conversation. */
export interface LlmMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** A request for plain text from a model. */
export interface GenerateTextRequest {
  /** System instructions. */
  readonly system?: string;
  /** The user prompt. Appended after `messages` when both are given. */
  readonly prompt?: string;
  /** Earlier turns of a conversation. */
  readonly messages?: readonly LlmMessage[];
  /** Upper bound on generated tokens. */
  readonly maxOutputTokens?: number;
  /** @default provider default */
  readonly temperature?: number;
  /** Per-call deadline in ms; the call fails with code `timeout` after it. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A request for JSON that must validate against a zod schema. */
export interface GenerateObjectRequest<T> extends GenerateTextRequest {
  /** The output must validate against this schema; the provider uses the API's native JSON mode. */
  readonly schema: z.ZodType<T>;
  /** Name of the object, given to APIs that want one. */
  readonly schemaName?: string;
}

/** The text a model produced, with token usage and timing. */
export interface GenerateTextResult {
  readonly text: string;
  readonly usage: TokenUsage;
  /** Name of the provider that answered (matters in a fallback chain). */
  readonly provider: string;
  readonly model: string;
  readonly latencyMs: number;
}

/** The validated object a model produced, with its raw text, token usage and timing. */
export interface GenerateObjectResult<T> extends Omit<GenerateTextResult, 'text'> {
  readonly object: T;
  /** The raw text the model produced. */
  readonly text: string;
}

/** Texts to turn into embedding vectors. */
export interface EmbedRequest {
  readonly texts: readonly string[];
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * A large language model. Implementations throw a `PromptheusError` with code `llm`
 * (`retryable` for rate limits, 5xx and network errors), `timeout` or `aborted`.
 */
export interface LlmProvider {
  /** Provider name (`gemini`, `ollama`, `fallback`, ...). */
  readonly name: string;
  /** Model name. */
  readonly model: string;
  /** Generates text; fails with code `llm`, `timeout` or `aborted`. */
  generateText(request: GenerateTextRequest): Promise<GenerateTextResult>;
  /** Generates JSON validated against `request.schema`, with one repair round on invalid output. */
  generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>>;
  /** Embeds texts (one vector per text), when the provider supports it. */
  embed?(request: EmbedRequest): Promise<number[][]>;
}
