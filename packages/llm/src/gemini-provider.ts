import type {
  ContentListUnion,
  GenerateContentConfig,
  GenerateContentResponse,
  GoogleGenAI,
} from '@google/genai';
import {
  type EmbedRequest,
  estimateTokens,
  type GenerateTextRequest,
  type LlmProvider,
  PromptheusError,
  sleep,
} from '@promptheus/core';
import { importPeer, llmError, toLlmError } from './errors.js';
import { assembleProvider, type JsonOutput, lazyClient, type ModelTurn } from './provider.js';

/** The part of a `GoogleGenAI` client the provider uses. */
export type GeminiClient = Pick<GoogleGenAI, 'models'>;

/** Options of {@link createGeminiProvider}. */
export interface GeminiProviderOptions {
  /**
   * The Gemini API key. Read at the first call, never logged and never put in error messages.
   * @default the `GEMINI_API_KEY` environment variable (of `env`), read at the first call
   */
  readonly apiKey?: string;
  /** @default 'gemini-2.5-flash' */
  readonly model?: string;
  /** Model used by `embed`. @default 'gemini-embedding-001' */
  readonly embeddingModel?: string;
  /**
   * A `GoogleGenAI` client you already have. The provider then ignores `apiKey`, `baseUrl` and
   * `apiVersion`, and turns off the client's own retries per call (the fallback chain retries).
   */
  readonly client?: GeminiClient;
  /**
   * Base URL of the API, e.g. a proxy or a local server that answers like it.
   * @default 'https://generativelanguage.googleapis.com'
   */
  readonly baseUrl?: string;
  /** @default 'v1beta' */
  readonly apiVersion?: string;
  /** Output token limit for requests that set none (a latency and cost bound). @default 1024 */
  readonly maxOutputTokens?: number;
  /** Sampling temperature for requests that set none. @default the model's default */
  readonly temperature?: number;
  /**
   * Thinking token budget (`thinkingConfig.thinkingBudget`). `0` turns thinking off, which keeps
   * latency low and leaves `maxOutputTokens` to the answer; `null` leaves the model's default.
   * @default 0 for Flash models, `null` for others (Pro models cannot turn thinking off)
   */
  readonly thinkingBudget?: number | null;
  /** Deadline of calls that set no `timeoutMs`. @default 60_000 */
  readonly timeoutMs?: number;
  /**
   * A 429 whose `RetryInfo` asks to wait at most this long is retried once after the wait;
   * longer waits fail at once with a retryable error carrying `details.retryAfterMs`.
   * @default 3_000
   */
  readonly maxRetryDelayMs?: number;
  /** Where `GEMINI_API_KEY` is read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A Gemini {@link LlmProvider} (with embeddings). */
export interface GeminiProvider extends LlmProvider {
  embed(request: EmbedRequest): Promise<number[][]>;
}

const defaultBaseUrl = 'https://generativelanguage.googleapis.com';

/**
 * Creates an LLM provider on the Gemini API through `@google/genai` (loaded at the first call,
 * so it is only needed when this provider is used). Structured output uses the API's JSON mode
 * with the zod schema converted to JSON Schema (`responseJsonSchema`), validated with zod and
 * repaired once. Errors are `PromptheusError`s with `details.reason` (see `LlmFailureReason`);
 * rate limits, outages and network failures are `retryable`.
 *
 * @example
 * ```ts
 * const gemini = createGeminiProvider(); // GEMINI_API_KEY is read at the first call
 * const { text, usage } = await gemini.generateText({ system: 'You are an SRE.', prompt: 'Why 502s?' });
 * ```
 */
export function createGeminiProvider(options: GeminiProviderOptions = {}): GeminiProvider {
  const name = 'gemini';
  const model = options.model ?? 'gemini-2.5-flash';
  const embeddingModel = options.embeddingModel ?? 'gemini-embedding-001';
  const defaultMaxOutputTokens = options.maxOutputTokens ?? 1024;
  const defaultTimeoutMs = options.timeoutMs ?? 60_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 3_000;
  const thinkingBudget =
    options.thinkingBudget === undefined ? (/flash/i.test(model) ? 0 : null) : options.thinkingBudget;
  const baseUrl = options.baseUrl ?? defaultBaseUrl;
  let secret: string | undefined;

  const loadClient = async (): Promise<GeminiClient> => {
    if (options.client) return options.client;
    const apiKey = (options.apiKey ?? (options.env ?? process.env)['GEMINI_API_KEY'])?.trim();
    if (!apiKey) {
      throw llmError(
        'missing_key',
        'The Gemini API key is missing: set the GEMINI_API_KEY environment variable or pass apiKey to createGeminiProvider()',
        { provider: name, model },
      );
    }
    secret = apiKey;
    const { GoogleGenAI } = await importPeer('@google/genai', () => import('@google/genai'), {
      provider: name,
      model,
    });
    return new GoogleGenAI({
      apiKey,
      vertexai: false,
      httpOptions: {
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
        ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
      },
    });
  };
  const client = lazyClient(loadClient);

  /** One generateContent call, with the single short wait a 429 may ask for. */
  const generate = async (
    request: GenerateTextRequest,
    json: JsonOutput | undefined,
    signal: AbortSignal,
  ): Promise<ModelTurn> => {
    const contents = toContents(request);
    const temperature = request.temperature ?? options.temperature;
    const config: GenerateContentConfig = {
      abortSignal: signal,
      // The fallback chain and the callers decide about retries; the SDK must not multiply them.
      httpOptions: { retryOptions: { attempts: 1 } },
      maxOutputTokens: request.maxOutputTokens ?? defaultMaxOutputTokens,
      ...(temperature === undefined ? {} : { temperature }),
      ...(request.system === undefined ? {} : { systemInstruction: request.system }),
      ...(json === undefined
        ? {}
        : {
            responseMimeType: 'application/json',
            ...(json.schema === undefined ? {} : { responseJsonSchema: json.schema }),
          }),
      ...(thinkingBudget === null ? {} : { thinkingConfig: { thinkingBudget } }),
    };
    const gemini = await client();
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await gemini.models.generateContent({ model, contents, config });
        return readResponse(response, { provider: name, model });
      } catch (caught) {
        if (signal.aborted) throw signal.reason;
        const error = PromptheusError.isInstance(caught)
          ? caught
          : toPromptheusError(caught, { provider: name, model, baseUrl, secret });
        const retryAfterMs = error.details?.['retryAfterMs'];
        if (
          attempt === 1 &&
          error.details?.['reason'] === 'rate_limit' &&
          typeof retryAfterMs === 'number' &&
          retryAfterMs <= maxRetryDelayMs
        ) {
          await sleep(retryAfterMs, signal);
          continue;
        }
        throw error;
      }
    }
  };

  return assembleProvider({
    name,
    model,
    defaultTimeoutMs,
    generate,
    async embed(texts, signal) {
      const gemini = await client();
      try {
        const response = await gemini.models.embedContent({
          model: embeddingModel,
          contents: [...texts],
          config: { abortSignal: signal, httpOptions: { retryOptions: { attempts: 1 } } },
        });
        const vectors = (response.embeddings ?? []).map((embedding) => embedding.values ?? []);
        if (vectors.length !== texts.length) {
          throw llmError(
            'unavailable',
            `Gemini returned ${vectors.length} embeddings for ${texts.length} texts`,
            { provider: name, model: embeddingModel, retryable: true },
          );
        }
        return vectors;
      } catch (error) {
        if (PromptheusError.isInstance(error)) throw error;
        if (signal.aborted) throw signal.reason;
        throw toPromptheusError(error, { provider: name, model: embeddingModel, baseUrl, secret });
      }
    },
  });
}

function toContents(request: GenerateTextRequest): ContentListUnion {
  const contents = (request.messages ?? []).map((message) => ({
    role: message.role === 'assistant' ? 'model' : 'user',
    parts: [{ text: message.content }],
  }));
  if (request.prompt !== undefined) contents.push({ role: 'user', parts: [{ text: request.prompt }] });
  if (contents.length === 0) {
    throw new PromptheusError('invalid_input', 'An LLM request needs a prompt or messages');
  }
  return contents;
}

function readResponse(
  response: GenerateContentResponse,
  context: { provider: string; model: string },
): ModelTurn {
  const blockReason = response.promptFeedback?.blockReason;
  const candidate = response.candidates?.[0];
  if (blockReason || !candidate) {
    throw llmError(
      'blocked',
      `Gemini did not answer: the prompt was blocked (${blockReason ?? 'no candidates'})`,
      context,
    );
  }
  const text = (candidate.content?.parts ?? [])
    .filter((part) => !part.thought && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
  if (text === '' && candidate.finishReason && !['STOP', 'MAX_TOKENS'].includes(candidate.finishReason)) {
    throw llmError('blocked', `Gemini did not answer (finish reason ${candidate.finishReason})`, context);
  }
  const metadata = response.usageMetadata;
  const promptTokens = metadata?.promptTokenCount ?? 0;
  const completionTokens =
    metadata === undefined
      ? estimateTokens(text)
      : (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0);
  return {
    text,
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    model: response.modelVersion ?? context.model,
  };
}

interface GoogleErrorBody {
  readonly code?: number;
  readonly message?: string;
  readonly status?: string;
  readonly details?: ReadonlyArray<Record<string, unknown>>;
}

/** Maps an error of `@google/genai` (an `ApiError` whose message is the API's error body) to a `PromptheusError`. */
function toPromptheusError(
  error: unknown,
  context: { provider: string; model: string; baseUrl: string; secret: string | undefined },
): PromptheusError {
  const status = (error as { status?: unknown } | null)?.status;
  const answered = typeof status === 'number' ? status : undefined;
  const body =
    answered === undefined ? undefined : parseErrorBody(error instanceof Error ? error.message : '');
  const apiMessage = body?.message ?? (error instanceof Error ? error.message : 'no message');
  const keyInvalid =
    answered === 400 &&
    (body?.details?.some((detail) => detail['reason'] === 'API_KEY_INVALID') === true ||
      /api key/i.test(apiMessage));
  const retryAfterMs = answered === 429 ? retryDelayMs(body) : undefined;
  return toLlmError(error, {
    provider: context.provider,
    model: context.model,
    secret: context.secret,
    status: answered,
    ...(keyInvalid ? { reason: 'auth' as const } : {}),
    retryAfterMs,
    answered(reason, code) {
      switch (reason) {
        case 'auth':
          return `Gemini rejected the API key (HTTP ${code}): check GEMINI_API_KEY (the API said: ${apiMessage})`;
        case 'model_not_found':
          return `Gemini model "${context.model}" was not found (HTTP 404): check the model name (the API said: ${apiMessage})`;
        case 'rate_limit':
          return `Gemini rate limit or quota exceeded (HTTP 429)${retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(retryAfterMs / 1000)} s`}: ${apiMessage}`;
        case 'unavailable':
          return `Gemini is unavailable (HTTP ${code}): ${apiMessage}`;
        default:
          return `Gemini refused the request (HTTP ${code}): ${apiMessage}`;
      }
    },
    unreachable: (failure) => `Cannot reach the Gemini API at ${context.baseUrl} (${failure})`,
    other: `Gemini call failed: ${error instanceof Error ? error.message : String(error)}`,
    otherRetryable: false,
  });
}

function parseErrorBody(message: string): GoogleErrorBody | undefined {
  try {
    const parsed = JSON.parse(message) as { error?: GoogleErrorBody };
    return typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** The wait a `google.rpc.RetryInfo` detail asks for (`"retryDelay": "2.5s"`), in ms. */
function retryDelayMs(body: GoogleErrorBody | undefined): number | undefined {
  for (const detail of body?.details ?? []) {
    if (String(detail['@type']).endsWith('google.rpc.RetryInfo')) {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail['retryDelay']));
      if (match?.[1] !== undefined) return Math.round(Number(match[1]) * 1000);
    }
  }
  return undefined;
}
