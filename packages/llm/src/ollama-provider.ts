import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type EmbedRequest,
  estimateTokens,
  type GenerateTextRequest,
  type LlmProvider,
  PromptheusError,
  type TokenUsage,
} from '@promptheus/core';
import type { Message, Ollama } from 'ollama';
import { importPeer, llmError, toLlmError } from './errors.js';
import { assembleProvider, type JsonOutput, lazyClient, type ModelTurn } from './provider.js';

/** The part of an `Ollama` client the provider uses. */
export type OllamaClient = Pick<Ollama, 'chat' | 'embed'>;

/** Options of {@link createOllamaProvider}. */
export interface OllamaProviderOptions {
  /**
   * Address of the Ollama server. A URL ending in `/api/generate` or `/api/chat` (as some
   * configurations set `LLM_URL`) is accepted and trimmed to the server address.
   * @default 'http://localhost:11434'
   */
  readonly host?: string;
  /** @default 'llama3.2' */
  readonly model?: string;
  /** Model used by `embed`, e.g. `nomic-embed-text`. @default the `model` option */
  readonly embeddingModel?: string;
  /** An `Ollama` client you already have; `host` and `headers` are then ignored. */
  readonly client?: OllamaClient;
  /** Extra HTTP headers, e.g. `Authorization` for an Ollama behind a proxy. Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Output token limit (`num_predict`) for requests that set none. @default 1024 */
  readonly maxOutputTokens?: number;
  /** Sampling temperature for requests that set none. @default the model's default */
  readonly temperature?: number;
  /** How long Ollama keeps the model loaded after a call (`keep_alive`), e.g. `'10m'`. @default Ollama's default */
  readonly keepAlive?: string | number;
  /** Deadline of calls that set no `timeoutMs` (local models may need to load first). @default 120_000 */
  readonly timeoutMs?: number;
}

/** An Ollama {@link LlmProvider} (with embeddings). */
export interface OllamaProvider extends LlmProvider {
  embed(request: EmbedRequest): Promise<number[][]>;
}

/** Turns `http://host:11434/api/generate` (and friends) into `http://host:11434`. */
export function normalizeOllamaHost(host: string): string {
  return host
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api(\/(generate|chat|embed|embeddings|tags))?$/, '');
}

/**
 * Creates an LLM provider on an Ollama server through the `ollama` package (loaded at the first
 * call). Calls use `/api/chat` with streaming, so a timeout or abort stops the generation on
 * the server; structured output uses Ollama's `format` with the zod schema as JSON Schema,
 * validated with zod and repaired once. Errors are `PromptheusError`s with `details.reason`
 * (see `LlmFailureReason`); outages and network failures are `retryable`.
 *
 * @example
 * ```ts
 * const ollama = createOllamaProvider({ host: 'http://localhost:11434', model: 'llama3.2' });
 * const { object } = await ollama.generateObject({ prompt: 'Classify: disk 97% full', schema });
 * ```
 */
export function createOllamaProvider(options: OllamaProviderOptions = {}): OllamaProvider {
  const name = 'ollama';
  const model = options.model ?? 'llama3.2';
  const embeddingModel = options.embeddingModel ?? model;
  const host = normalizeOllamaHost(options.host ?? 'http://localhost:11434');
  const defaultMaxOutputTokens = options.maxOutputTokens ?? 1024;
  const defaultTimeoutMs = options.timeoutMs ?? 120_000;
  const callSignal = new AsyncLocalStorage<AbortSignal>();

  const loadClient = async (): Promise<OllamaClient> => {
    if (options.client) return options.client;
    const { Ollama } = await importPeer('ollama', () => import('ollama'), { provider: name, model });
    // Every request carries the signal of the call that made it, so a timeout or abort closes
    // the connection even for requests the client cannot cancel itself.
    const signalAwareFetch: typeof fetch = (input, init) => {
      const current = callSignal.getStore();
      const signal =
        current && init?.signal ? AbortSignal.any([current, init.signal]) : (current ?? init?.signal);
      return fetch(input, { ...init, ...(signal ? { signal } : {}) });
    };
    return new Ollama({
      host,
      fetch: signalAwareFetch,
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    });
  };
  const client = lazyClient(loadClient);

  const chat = async (
    request: GenerateTextRequest,
    json: JsonOutput | undefined,
    signal: AbortSignal,
  ): Promise<ModelTurn> => {
    const messages = toMessages(request);
    const temperature = request.temperature ?? options.temperature;
    const ollama = await client();
    const context = { provider: name, model, host };
    try {
      const stream = await callSignal.run(signal, () =>
        ollama.chat({
          model,
          messages,
          stream: true,
          ...(json === undefined ? {} : { format: json.schema ?? 'json' }),
          options: {
            num_predict: request.maxOutputTokens ?? defaultMaxOutputTokens,
            ...(temperature === undefined ? {} : { temperature }),
          },
          ...(options.keepAlive === undefined ? {} : { keep_alive: options.keepAlive }),
        }),
      );
      const stop = () => stream.abort();
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      try {
        let text = '';
        let usage: TokenUsage | undefined;
        let answeredBy = model;
        for await (const part of stream) {
          text += part.message?.content ?? '';
          if (part.done) {
            const promptTokens =
              part.prompt_eval_count ?? estimateTokens(messages.map((m) => m.content).join('\n'));
            const completionTokens = part.eval_count ?? estimateTokens(text);
            usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
            answeredBy = part.model || model;
          }
        }
        if (!usage) {
          throw llmError('unavailable', `Ollama at ${host} ended the answer before it was done`, {
            provider: name,
            model,
            retryable: true,
          });
        }
        return { text, usage, model: answeredBy };
      } finally {
        signal.removeEventListener('abort', stop);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toPromptheusError(error, context);
    }
  };

  return assembleProvider({
    name,
    model,
    defaultTimeoutMs,
    generate: chat,
    async embed(texts, signal) {
      const ollama = await client();
      try {
        const response = await callSignal.run(signal, () =>
          ollama.embed({
            model: embeddingModel,
            input: [...texts],
            ...(options.keepAlive === undefined ? {} : { keep_alive: options.keepAlive }),
          }),
        );
        if (response.embeddings.length !== texts.length) {
          throw llmError(
            'unavailable',
            `Ollama returned ${response.embeddings.length} embeddings for ${texts.length} texts`,
            { provider: name, model: embeddingModel, retryable: true },
          );
        }
        return response.embeddings;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw toPromptheusError(error, { provider: name, model: embeddingModel, host });
      }
    },
  });
}

function toMessages(request: GenerateTextRequest): Message[] {
  const messages: Message[] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages ?? [])
    messages.push({ role: message.role, content: message.content });
  if (request.prompt !== undefined) messages.push({ role: 'user', content: request.prompt });
  if (messages.every((message) => message.role === 'system')) {
    throw new PromptheusError('invalid_input', 'An LLM request needs a prompt or messages');
  }
  return messages;
}

/** Maps an error of the `ollama` client (`ResponseError` with `status_code`, fetch failures) to a `PromptheusError`. */
function toPromptheusError(
  error: unknown,
  context: { provider: string; model: string; host: string },
): PromptheusError {
  const status = (error as { status_code?: unknown } | null)?.status_code;
  const serverMessage = error instanceof Error ? error.message : String(error);
  const { model, host } = context;
  return toLlmError(error, {
    provider: context.provider,
    model,
    status: typeof status === 'number' ? status : undefined,
    answered(reason, code) {
      switch (reason) {
        case 'model_not_found':
          return `Ollama model "${model}" is not available at ${host}: pull it with "ollama pull ${model}" or set LLM_MODEL (Ollama said: ${serverMessage})`;
        case 'auth':
          return `Ollama at ${host} refused the request (HTTP ${code}): check the headers option`;
        case 'rate_limit':
          return `Ollama at ${host} is rate limiting (HTTP 429): ${serverMessage}`;
        case 'unavailable':
          return `Ollama at ${host} failed (HTTP ${code}): ${serverMessage}`;
        default:
          return `Ollama at ${host} refused the request (HTTP ${code}): ${serverMessage}`;
      }
    },
    unreachable: (failure) => `Cannot reach Ollama at ${host} (${failure}): is it running? Check LLM_URL`,
    // An `{"error": ...}` line in the stream, or a stream cut short: the run failed on the server.
    other: `Ollama at ${host} failed while answering: ${serverMessage}`,
    otherRetryable: true,
  });
}
