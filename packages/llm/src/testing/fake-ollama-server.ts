import type { ServerResponse } from 'node:http';
import {
  fakeEmbedding,
  fakeTokenCount,
  type LocalServer,
  pause,
  playFault,
  type RecordedRequest,
  scriptedReplies,
  sendJson,
  startLocalServer,
} from './http.js';

/** What the fake Ollama server does with one `/api/chat` or `/api/generate` call. */
export type FakeOllamaReply =
  /** Answer with this text. */
  | string
  | {
      readonly text: string;
      /** Token counts to report (`prompt_eval_count`, `eval_count`). @default estimated */
      readonly usage?: { readonly promptTokens?: number; readonly completionTokens?: number };
      /** @default 'stop' */
      readonly doneReason?: string;
      /** Wait before answering. */
      readonly delayMs?: number;
      /** Wait between streamed pieces (a slow model). */
      readonly chunkDelayMs?: number;
    }
  /** Answer with an Ollama error body `{"error": message}`. */
  | { readonly error: { readonly status: number; readonly message: string }; readonly delayMs?: number }
  /** Start streaming, then send an `{"error": ...}` line, as Ollama does when a run fails midway. */
  | { readonly streamError: string }
  /** Never answer (until the client gives up or the server closes). */
  | { readonly hang: true }
  /** Close the connection without an answer. */
  | { readonly disconnect: true };

/** Options of {@link startFakeOllamaServer}. */
export interface FakeOllamaServerOptions {
  /**
   * Replies to chat and generate calls, in order, or a function of the request. When a list
   * runs out the server answers 500 naming the call.
   * @default []
   */
  readonly replies?: readonly FakeOllamaReply[] | ((request: RecordedRequest) => FakeOllamaReply);
  /**
   * Models that are pulled; others get Ollama's 404 `{"error":"model 'x' not found"}`. A name
   * without a tag means `:latest`, as in Ollama.
   * @default ['llama3.2', 'nomic-embed-text']
   */
  readonly models?: readonly string[];
  /** Length of the vectors `/api/embed` returns. @default 8 */
  readonly embeddingDimensions?: number;
}

/** A local server that answers like the Ollama REST API. */
export interface FakeOllamaServer extends LocalServer {
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Appends replies to the script (list scripts only). */
  reply(...replies: readonly FakeOllamaReply[]): void;
}

const withTag = (model: string) => (model.includes(':') ? model : `${model}:latest`);

/**
 * Starts a local server that answers exactly like the Ollama REST API for `POST /api/chat`,
 * `POST /api/generate` (streamed NDJSON by default, one JSON object with `"stream": false`),
 * `POST /api/embed`, `GET /api/tags` and `GET /api/version`, including the 404 body for a model
 * that is not pulled. Point the `ollama` client at it with `new Ollama({ host: server.url })`.
 *
 * @example
 * ```ts
 * const server = await startFakeOllamaServer({ replies: ['{"cause":"disk full"}'] });
 * const provider = createOllamaProvider({ host: server.url, model: 'llama3.2' });
 * await server.close();
 * ```
 */
export async function startFakeOllamaServer(
  options: FakeOllamaServerOptions = {},
): Promise<FakeOllamaServer> {
  const requests: RecordedRequest[] = [];
  const replies = scriptedReplies<RecordedRequest, FakeOllamaReply>(options.replies, (call) => ({
    error: { status: 500, message: `fake Ollama server has no scripted reply for call #${call}` },
  }));
  const models = (options.models ?? ['llama3.2', 'nomic-embed-text']).map(withTag);
  const dimensions = options.embeddingDimensions ?? 8;

  const server = await startLocalServer(async (request, response) => {
    requests.push(request);
    const route = `${request.method} ${request.path}`;
    if (route === 'GET /' || route === 'HEAD /') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Ollama is running');
      return;
    }
    if (route === 'GET /api/version') {
      sendJson(response, 200, { version: '0.12.6' });
      return;
    }
    if (route === 'GET /api/tags') {
      sendJson(response, 200, {
        models: models.map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00.000000000Z',
          size: 2_019_393_189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '3.2B',
            quantization_level: 'Q4_K_M',
          },
        })),
      });
      return;
    }
    if (request.method !== 'POST' || !['/api/chat', '/api/generate', '/api/embed'].includes(request.path)) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('404 page not found');
      return;
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    const model = typeof body['model'] === 'string' ? body['model'] : '';
    if (model === '') {
      sendJson(response, 400, { error: 'model is required' });
      return;
    }
    if (!models.includes(withTag(model))) {
      sendJson(response, 404, { error: `model '${model}' not found` });
      return;
    }
    if (request.path === '/api/embed') {
      const input = body['input'];
      const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
      sendJson(response, 200, {
        model,
        embeddings: texts.map((text) => fakeEmbedding(text, dimensions, 17, 89)),
        total_duration: 14_143_917,
        load_duration: 1_019_500,
        prompt_eval_count: texts.reduce((sum, text) => sum + fakeTokenCount(text), 0),
      });
      return;
    }
    const reply = replies.next(request);
    await answer(request.path === '/api/chat' ? 'chat' : 'generate', model, body, reply, response);
  });

  return { ...server, requests, reply: (...more) => replies.append(more) };
}

async function answer(
  kind: 'chat' | 'generate',
  model: string,
  body: Record<string, unknown>,
  scripted: FakeOllamaReply,
  response: ServerResponse,
) {
  const reply = await playFault(scripted, response);
  if (reply === undefined) return;
  if (typeof reply !== 'string' && 'error' in reply) {
    sendJson(response, reply.error.status, { error: reply.error.message });
    return;
  }
  const stream = body['stream'] !== false;
  const createdAt = () => new Date().toISOString();
  const piece = (text: string) =>
    kind === 'chat'
      ? { model, created_at: createdAt(), message: { role: 'assistant', content: text }, done: false }
      : { model, created_at: createdAt(), response: text, done: false };
  if (typeof reply !== 'string' && 'streamError' in reply) {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.write(`${JSON.stringify(piece('partial '))}\n`);
    response.end(`${JSON.stringify({ error: reply.streamError })}\n`);
    return;
  }
  const text = typeof reply === 'string' ? reply : reply.text;
  const usage = typeof reply === 'string' ? undefined : reply.usage;
  const promptTokens = usage?.promptTokens ?? fakeTokenCount(promptText(kind, body));
  const completionTokens = usage?.completionTokens ?? fakeTokenCount(text);
  const final = {
    ...piece(''),
    done: true,
    done_reason: (typeof reply === 'string' ? undefined : reply.doneReason) ?? 'stop',
    ...(kind === 'generate' ? { context: [128_006, 9_125, 128_007] } : {}),
    total_duration: 2_391_829_292,
    load_duration: 8_218_125,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: 52_000_000,
    eval_count: completionTokens,
    eval_duration: 2_330_000_000,
  };
  if (!stream) {
    sendJson(
      response,
      200,
      kind === 'chat'
        ? { ...final, message: { role: 'assistant', content: text } }
        : { ...final, response: text },
    );
    return;
  }
  const chunkDelayMs = typeof reply === 'string' ? undefined : reply.chunkDelayMs;
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const part of text.match(/[\s\S]{1,12}/g) ?? []) {
    response.write(`${JSON.stringify(piece(part))}\n`);
    if (chunkDelayMs !== undefined) {
      await pause(chunkDelayMs, response);
      if (response.destroyed) return;
    }
  }
  response.end(`${JSON.stringify(final)}\n`);
}

function promptText(kind: 'chat' | 'generate', body: Record<string, unknown>): string {
  if (kind === 'generate')
    return [body['system'], body['prompt']].filter((part) => typeof part === 'string').join('\n');
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
  return messages.map((message) => (typeof message.content === 'string' ? message.content : '')).join('\n');
}
