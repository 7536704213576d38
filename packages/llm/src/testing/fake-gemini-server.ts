import type { ServerResponse } from 'node:http';
import {
  fakeEmbedding,
  fakeTokenCount,
  type LocalServer,
  playFault,
  type RecordedRequest,
  scriptedReplies,
  sendJson,
  startLocalServer,
} from './http.js';

/** What the fake Gemini server does with one `generateContent` / `streamGenerateContent` call. */
export type FakeGeminiReply =
  /** Answer with this text. */
  | string
  | {
      readonly text: string;
      /** Token counts to report. @default estimated from the request and the text */
      readonly usage?: {
        readonly promptTokens?: number;
        readonly completionTokens?: number;
        readonly thoughtsTokens?: number;
      };
      /** @default 'STOP' */
      readonly finishReason?: string;
      /** Wait before answering. */
      readonly delayMs?: number;
    }
  /** Answer with a Google API error body (`{"error":{"code","message","status","details"}}`). */
  | {
      readonly error: {
        readonly status: number;
        readonly message?: string;
        readonly details?: readonly unknown[];
      };
      readonly headers?: Readonly<Record<string, string>>;
      readonly delayMs?: number;
    }
  /** Block the prompt (`promptFeedback.blockReason`, no candidates). */
  | { readonly blocked: string }
  /** Never answer (until the client gives up or the server closes). */
  | { readonly hang: true }
  /** Close the connection without an answer. */
  | { readonly disconnect: true };

/** A request to the fake Gemini server, with the parts of the path decoded. */
export interface FakeGeminiRequest extends RecordedRequest {
  /** The model from the path, without `models/`. */
  readonly model: string;
  /** The method after the colon: `generateContent`, `streamGenerateContent`, `embedContent`, ... */
  readonly action: string;
}

/** Options of {@link startFakeGeminiServer}. */
export interface FakeGeminiServerOptions {
  /**
   * Replies to generate calls, in order, or a function of the request. When a list runs out
   * the server answers 500 naming the call, so a test notices an unexpected extra call.
   * @default []
   */
  readonly replies?: readonly FakeGeminiReply[] | ((request: FakeGeminiRequest) => FakeGeminiReply);
  /** When set, a request with another `x-goog-api-key` gets the API's 400 `API_KEY_INVALID`. */
  readonly apiKey?: string;
  /** Models that exist; others get the API's 404 `NOT_FOUND`. @default every model exists */
  readonly models?: readonly string[];
  /** Length of the vectors returned by the embedding methods. @default 8 */
  readonly embeddingDimensions?: number;
}

/** A local server that answers like the Gemini REST API (`/v1beta/models/{model}:{action}`). */
export interface FakeGeminiServer extends LocalServer {
  /** Every request received, oldest first. */
  readonly requests: readonly FakeGeminiRequest[];
  /** Appends replies to the script (list scripts only). */
  reply(...replies: readonly FakeGeminiReply[]): void;
}

const statusNames: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The error body the Gemini API sends: `{"error":{"code","message","status","details"}}`. */
export function geminiErrorBody(status: number, message: string, details?: readonly unknown[]): unknown {
  return {
    error: {
      code: status,
      message,
      status: statusNames[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
      ...(details === undefined ? {} : { details }),
    },
  };
}

/** A `google.rpc.RetryInfo` detail, as in the API's 429 answers, e.g. `retryInfo(2)` for "2s". */
export function retryInfo(seconds: number): unknown {
  return { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` };
}

/**
 * Starts a local server that answers exactly like the Gemini REST API for
 * `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent` and `:batchEmbedContents`: same paths, bodies, SSE framing and error bodies,
 * API-key check and unknown-model 404. Point `@google/genai` at it with
 * `httpOptions: { baseUrl: server.url }`.
 *
 * @example
 * ```ts
 * const server = await startFakeGeminiServer({ replies: ['{"cause":"disk full"}'], apiKey: 'test-key' });
 * const provider = createGeminiProvider({ apiKey: 'test-key', baseUrl: server.url });
 * // ... server.requests[0].body.generationConfig.responseMimeType === 'application/json'
 * await server.close();
 * ```
 */
export async function startFakeGeminiServer(
  options: FakeGeminiServerOptions = {},
): Promise<FakeGeminiServer> {
  const requests: FakeGeminiRequest[] = [];
  const replies = scriptedReplies<FakeGeminiRequest, FakeGeminiReply>(options.replies, (call) => ({
    error: { status: 500, message: `fake Gemini server has no scripted reply for generate call #${call}` },
  }));
  const dimensions = options.embeddingDimensions ?? 8;

  const server = await startLocalServer(async (recorded, response) => {
    const match = /^\/(v1beta|v1|v1alpha)\/models\/([^:/]+):([A-Za-z]+)$/.exec(recorded.path);
    if (!match || recorded.method !== 'POST') {
      sendJson(response, 404, geminiErrorBody(404, `Method not found: ${recorded.method} ${recorded.path}`));
      return;
    }
    const request: FakeGeminiRequest = { ...recorded, model: match[2] ?? '', action: match[3] ?? '' };
    requests.push(request);

    if (options.apiKey !== undefined && request.headers['x-goog-api-key'] !== options.apiKey) {
      if (request.headers['x-goog-api-key'] === undefined) {
        sendJson(
          response,
          403,
          geminiErrorBody(
            403,
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
          ),
        );
      } else {
        sendJson(
          response,
          400,
          geminiErrorBody(400, 'API key not valid. Please pass a valid API key.', [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'generativelanguage.googleapis.com' },
            },
          ]),
        );
      }
      return;
    }
    if (options.models !== undefined && !options.models.includes(request.model)) {
      sendJson(
        response,
        404,
        geminiErrorBody(
          404,
          `models/${request.model} is not found for API version ${match[1]}, or is not supported for ${request.action}. ` +
            'Call ListModels to see the list of available models and their supported methods.',
        ),
      );
      return;
    }

    switch (request.action) {
      case 'generateContent':
      case 'streamGenerateContent': {
        await answerGenerate(request, replies.next(request), response);
        return;
      }
      case 'embedContent': {
        const text = partsText((request.body as { content?: unknown } | undefined)?.content);
        sendJson(response, 200, { embedding: { values: fakeEmbedding(text, dimensions, 31, 101) } });
        return;
      }
      case 'batchEmbedContents': {
        const items = ((request.body as { requests?: unknown[] } | undefined)?.requests ?? []) as {
          content?: unknown;
        }[];
        sendJson(response, 200, {
          embeddings: items.map((item) => ({
            values: fakeEmbedding(partsText(item.content), dimensions, 31, 101),
          })),
        });
        return;
      }
      default:
        sendJson(response, 404, geminiErrorBody(404, `Method not found: ${request.action}`));
    }
  });

  return { ...server, requests, reply: (...more) => replies.append(more) };
}

async function answerGenerate(
  request: FakeGeminiRequest,
  scripted: FakeGeminiReply,
  response: ServerResponse,
) {
  const reply = await playFault(scripted, response);
  if (reply === undefined) return;
  if (typeof reply !== 'string' && 'error' in reply) {
    sendJson(
      response,
      reply.error.status,
      geminiErrorBody(
        reply.error.status,
        reply.error.message ?? `fake error ${reply.error.status}`,
        reply.error.details,
      ),
      reply.headers,
    );
    return;
  }
  const promptText = requestText(request.body);
  const promptTokens =
    typeof reply !== 'string' && 'text' in reply && reply.usage?.promptTokens !== undefined
      ? reply.usage.promptTokens
      : fakeTokenCount(promptText);
  const modelVersion = request.model;
  const responseId = `fake-${Math.random().toString(36).slice(2, 10)}`;
  if (typeof reply !== 'string' && 'blocked' in reply) {
    const body = {
      promptFeedback: { blockReason: reply.blocked },
      usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
      modelVersion,
      responseId,
    };
    if (request.action === 'streamGenerateContent') sendSse(response, [body]);
    else sendJson(response, 200, body);
    return;
  }
  const text = typeof reply === 'string' ? reply : reply.text;
  const usage = typeof reply === 'string' ? undefined : reply.usage;
  const completionTokens = usage?.completionTokens ?? fakeTokenCount(text);
  const thoughtsTokens = usage?.thoughtsTokens;
  const finishReason = (typeof reply === 'string' ? undefined : reply.finishReason) ?? 'STOP';
  const usageMetadata = (candidates: number) => ({
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: promptTokens + candidates + (thoughtsTokens ?? 0),
    ...(thoughtsTokens === undefined ? {} : { thoughtsTokenCount: thoughtsTokens }),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  });

  if (request.action === 'streamGenerateContent') {
    // The API streams the text in pieces; every event carries usage, the last one the finish reason.
    const pieces = text.length === 0 ? [''] : (text.match(/[\s\S]{1,16}/g) ?? [text]);
    let sent = 0;
    const events = pieces.map((piece, index) => {
      sent += piece.length;
      const last = index === pieces.length - 1;
      return {
        candidates: [
          {
            content: { parts: [{ text: piece }], role: 'model' },
            ...(last ? { finishReason } : {}),
            index: 0,
          },
        ],
        usageMetadata: usageMetadata(last ? completionTokens : fakeTokenCount(text.slice(0, sent))),
        modelVersion,
        responseId,
      };
    });
    sendSse(response, events);
    return;
  }
  sendJson(response, 200, {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason, index: 0 }],
    usageMetadata: usageMetadata(completionTokens),
    modelVersion,
    responseId,
  });
}

function sendSse(response: ServerResponse, events: readonly unknown[]) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) response.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
  response.end();
}

function partsText(content: unknown): string {
  const parts = (content as { parts?: { text?: unknown }[] } | undefined)?.parts ?? [];
  return parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

function requestText(body: unknown): string {
  const typed = body as { contents?: unknown[]; systemInstruction?: unknown } | undefined;
  const texts = (typed?.contents ?? []).map(partsText);
  if (typed?.systemInstruction) texts.unshift(partsText(typed.systemInstruction));
  return texts.join('\n');
}
