import { idSchema } from '@promptheus/core';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { integerParam, parseBody, parseParam, parseQuery } from '../http/input.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { AskResponse } from '../types.js';
import type { RouteContext } from './context.js';

const questionSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(4000, 'must be at most 4000 characters');

const contextMessageSchema = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string().max(8000),
});

/** Context sent by chat-style clients: a note, earlier turns, or a few named values. */
export const chatContextSchema = z.union([
  z.string().max(8000),
  z.array(contextMessageSchema).max(50),
  z.record(z.string().max(128), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])),
]);

/**
 * Body of `POST /api/chat`: dashboard style `{ "prompt": … }` or chat style
 * `{ "message": …, "context": …, "session_id": … }`.
 */
export const chatBodySchema = z
  .object({
    prompt: questionSchema.optional(),
    message: questionSchema.optional(),
    context: chatContextSchema.optional(),
    session_id: idSchema.nullish(),
    sessionId: idSchema.nullish(),
  })
  .refine((body) => body.prompt !== undefined || body.message !== undefined, {
    message: 'send "prompt" (dashboard style) or "message" (chat style)',
    path: ['prompt'],
  });

/** The JSON answer of `POST /api/chat`. */
export function toChatResponse(result: AskResponse) {
  return {
    promql: result.promql,
    data: result.data ?? null,
    layout: result.layout ?? null,
    answer: result.answer,
    followups: result.followups,
    intent: result.intent,
    session_id: result.sessionId,
    usage: result.usage,
    translator: result.translator ?? null,
    error: result.error ?? null,
    explanation: result.explanation ?? null,
    closest: result.closest ?? [],
    warnings: result.warnings ?? [],
  };
}

/** Chat, suggestions and history. */
export function registerChatRoutes(
  app: Hono,
  context: RouteContext,
  options: { readonly rateLimiter: RateLimiter | null; readonly clientKey: (c: Context) => string },
): void {
  const { store } = context;

  app.post('/api/chat', async (c) => {
    if (options.rateLimiter) {
      const decision = options.rateLimiter.take(options.clientKey(c));
      if (!decision.allowed) {
        c.header('Retry-After', String(decision.retryAfterSeconds));
        throw new HttpError(
          429,
          'rate_limited',
          `Too many questions; try again in ${decision.retryAfterSeconds} s`,
          { retryAfterSeconds: decision.retryAfterSeconds },
        );
      }
    }
    const body = await parseBody(c, chatBodySchema);
    if (!context.ask) throw new HttpError(503, 'config', 'The Ask pipeline is not configured on this server');
    const result = await context.ask.ask({
      prompt: (body.prompt ?? body.message)!,
      sessionId: body.session_id ?? body.sessionId ?? null,
      ...(body.context !== undefined ? { context: body.context } : {}),
      signal: c.req.raw.signal,
    });
    return c.json(toChatResponse(result));
  });

  const suggestionQuery = z.object({
    prompt: z.string().max(4000).optional(),
    q: z.string().max(4000).optional(),
    limit: integerParam({ min: 1, max: 20, default: 5 }),
  });
  app.get('/api/suggestions', async (c) => {
    const query = parseQuery(c, suggestionQuery);
    const prompt = (query.prompt ?? query.q ?? '').trim();
    const suggestions = await suggest(context, prompt, query.limit);
    return c.json({ prompt, suggestions });
  });

  const pageQuery = z.object({
    limit: integerParam({ min: 1, max: 100, default: 20 }),
    offset: integerParam({ min: 0, max: 1_000_000, default: 0 }),
  });
  app.get('/api/history', async (c) => {
    const { limit, offset } = parseQuery(c, pageQuery);
    const [items, total] = await Promise.all([
      store.chatSessions.list({ limit, offset }),
      store.chatSessions.count(),
    ]);
    return c.json({ items, total, limit, offset });
  });

  app.get('/api/history/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    const session = await store.chatSessions.get(id);
    if (!session) throw new HttpError(404, 'not_found', `No chat session with id ${id}`);
    return c.json({ session });
  });

  app.delete('/api/history/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    if (!(await store.chatSessions.delete(id))) {
      throw new HttpError(404, 'not_found', `No chat session with id ${id}`);
    }
    return c.body(null, 204);
  });

  const promptQuery = pageQuery.extend({ session_id: idSchema.optional() });
  app.get('/api/prompts', async (c) => {
    const { limit, offset, session_id: sessionId } = parseQuery(c, promptQuery);
    const [items, total] = await Promise.all([
      store.promptHistory.list({ limit, offset, ...(sessionId ? { sessionId } : {}) }),
      store.promptHistory.count(),
    ]);
    return c.json({ items, total, limit, offset });
  });
}

/** Questions a newcomer can start with when nothing better is known. */
export const STARTER_QUESTIONS: readonly string[] = [
  'Which targets are down?',
  'Show CPU usage by instance',
  'Show memory usage by instance',
  'What is the HTTP request rate by status code?',
  'p95 request latency over the last hour',
  'Which instances have the most disk usage?',
];

async function suggest(context: RouteContext, prompt: string, limit: number): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (suggestion: string) => {
    const key = suggestion.trim().toLowerCase();
    if (key === '' || seen.has(key) || out.length >= limit) return;
    seen.add(key);
    out.push(suggestion.trim());
  };
  if (context.ask?.suggest) {
    for (const suggestion of await context.ask.suggest(prompt, { limit })) add(suggestion);
  }
  const needle = prompt.toLowerCase();
  if (out.length < limit) {
    const recent = await context.store.promptHistory.list({ limit: 100 });
    for (const entry of recent) {
      if (entry.success && entry.prompt.toLowerCase().includes(needle)) add(entry.prompt);
    }
  }
  for (const starter of STARTER_QUESTIONS) if (starter.toLowerCase().includes(needle)) add(starter);
  return out;
}
