import { GoogleGenAI } from '@google/genai';
import { isInvalidOutputError, PromptheusError, toJsonSchema } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGeminiProvider } from './gemini-provider.js';
import { closeAfterTest, errorOf } from './test-helpers.js';
import { type FakeGeminiServerOptions, retryInfo, startFakeGeminiServer } from './testing/index.js';

const apiKey = 'AIzaTest-secret-key-0123456789';
async function start(options: FakeGeminiServerOptions = {}) {
  const server = await startFakeGeminiServer({ apiKey, ...options });
  closeAfterTest(server);
  return server;
}

const rcaSchema = z.object({
  summary: z.string(),
  cause: z.string(),
  confidence: z.number().min(0).max(1),
});

describe('createGeminiProvider', () => {
  it('sends the model, system instruction, contents and generation config, and reports usage', async () => {
    const server = await start({
      replies: [
        { text: 'CPU is saturated by the batch job.', usage: { promptTokens: 21, completionTokens: 9 } },
      ],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const result = await gemini.generateText({
      system: 'You are an SRE.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ],
      prompt: 'Why is CPU high?',
      temperature: 0.2,
    });
    expect(result).toMatchObject({
      text: 'CPU is saturated by the batch job.',
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      usage: { promptTokens: 21, completionTokens: 9, totalTokens: 30 },
    });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request.headers['x-goog-api-key']).toBe(apiKey);
    expect(request.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello' }] },
        { role: 'user', parts: [{ text: 'Why is CPU high?' }] },
      ],
      systemInstruction: { parts: [{ text: 'You are an SRE.' }], role: 'user' },
      generationConfig: { temperature: 0.2, maxOutputTokens: 1024, thinkingConfig: { thinkingBudget: 0 } },
    });
  });

  it('counts thinking tokens as completion tokens', async () => {
    const server = await start({
      replies: [{ text: 'ok', usage: { promptTokens: 5, completionTokens: 2, thoughtsTokens: 40 } }],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url, model: 'gemini-2.5-pro' });
    const result = await gemini.generateText({ prompt: 'x', maxOutputTokens: 300 });
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 42, totalTokens: 47 });
    const body = server.requests[0]!.body as { generationConfig: Record<string, unknown> };
    // Pro models keep their default thinking
    expect(body.generationConfig).toEqual({ maxOutputTokens: 300 });
    expect(server.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
  });

  it('asks for JSON with the schema and returns the validated object', async () => {
    const server = await start({
      replies: [JSON.stringify({ summary: 'Disk full', cause: 'logs', confidence: 0.9 })],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const result = await gemini.generateObject({ prompt: 'Explain', schema: rcaSchema, schemaName: 'rca' });
    expect(result.object).toEqual({ summary: 'Disk full', cause: 'logs', confidence: 0.9 });
    const body = server.requests[0]!.body as { generationConfig: Record<string, unknown> };
    expect(body.generationConfig['responseMimeType']).toBe('application/json');
    expect(body.generationConfig['responseJsonSchema']).toEqual(toJsonSchema(rcaSchema));
    expect(body.generationConfig['responseJsonSchema']).toMatchObject({
      type: 'object',
      required: ['summary', 'cause', 'confidence'],
    });
  });

  it('repairs malformed JSON once, feeding the validation error back', async () => {
    const bad = '{"summary": "Disk full", "cause": "logs", "confidence": "high"';
    const server = await start({
      replies: [bad, JSON.stringify({ summary: 'Disk full', cause: 'logs', confidence: 0.7 })],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const result = await gemini.generateObject({ system: 'SRE', prompt: 'Explain', schema: rcaSchema });
    expect(result.object.confidence).toBe(0.7);
    expect(server.requests).toHaveLength(2);
    const repair = server.requests[1]!.body as { contents: { role: string; parts: { text: string }[] }[] };
    expect(repair.contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(repair.contents[1]!.parts[0]!.text).toBe(bad);
    expect(repair.contents[2]!.parts[0]!.text).toMatch(/not valid JSON/);
    // usage of both calls
    expect(result.usage.completionTokens).toBe(
      Math.ceil(bad.length / 4) + Math.ceil(JSON.stringify(result.object).length / 4),
    );
  });

  it('fails with a typed invalid-output error when the repair is still invalid', async () => {
    const server = await start({
      replies: ['{"summary": 1}', '{"summary": "x", "cause": "y", "confidence": 5}'],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const error = await errorOf(gemini.generateObject({ prompt: 'Explain', schema: rcaSchema }));
    expect(isInvalidOutputError(error)).toBe(true);
    expect((error as PromptheusError).message).toMatch(/gemini-2.5-flash .*confidence/);
    expect(server.requests).toHaveLength(2);
  });

  it('times out a call that never answers, closing the request', async () => {
    const server = await start({ replies: [{ hang: true }] });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const startedAt = Date.now();
    const error = await errorOf(gemini.generateText({ prompt: 'x', timeoutMs: 150 }));
    expect(PromptheusError.hasCode(error, 'timeout')).toBe(true);
    expect((error as PromptheusError).retryable).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await expect.poll(() => server.pendingRequests(), { timeout: 1_000 }).toBe(0);
  });

  it('stops when the caller aborts', async () => {
    const server = await start({ replies: [{ hang: true }] });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const controller = new AbortController();
    const pending = errorOf(gemini.generateText({ prompt: 'x', signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect(PromptheusError.hasCode(await pending, 'aborted')).toBe(true);
  });

  it('waits out a short 429 RetryInfo once, then succeeds', async () => {
    const server = await start({
      replies: [
        {
          error: {
            status: 429,
            message: 'Resource has been exhausted (e.g. check quota).',
            details: [retryInfo(0.3)],
          },
        },
        'after the wait',
      ],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const startedAt = Date.now();
    const result = await gemini.generateText({ prompt: 'x' });
    expect(result.text).toBe('after the wait');
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
  });

  it('fails at once with a retryable error when the 429 asks for a long wait', async () => {
    const server = await start({
      replies: [
        { error: { status: 429, message: 'You exceeded your current quota.', details: [retryInfo(37)] } },
      ],
    });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
    expect((error as PromptheusError).retryable).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({
      reason: 'rate_limit',
      status: 429,
      retryAfterMs: 37_000,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 503 as retryable after one request, even from a client configured to retry', async () => {
    const server = await start({
      replies: () => ({ error: { status: 503, message: 'The model is overloaded.' } }),
    });
    const client = new GoogleGenAI({
      apiKey,
      httpOptions: { baseUrl: server.url, retryOptions: { attempts: 5, initialDelay: 0.01 } },
    });
    const gemini = createGeminiProvider({ client });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect((error as PromptheusError).details).toMatchObject({ reason: 'unavailable', status: 503 });
    expect((error as PromptheusError).retryable).toBe(true);
    expect((error as PromptheusError).message).toMatch(/overloaded/);
    expect(server.requests).toHaveLength(1);
  });

  it('names GEMINI_API_KEY on a rejected key, without ever showing the key', async () => {
    const server = await start();
    const wrongKey = 'AIzaWrong-very-secret-9876543210';
    const gemini = createGeminiProvider({ apiKey: wrongKey, baseUrl: server.url });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({ reason: 'auth', status: 400 });
    expect((error as PromptheusError).retryable).toBe(false);
    expect((error as PromptheusError).message).toMatch(/GEMINI_API_KEY/);
    const everything = [
      (error as Error).message,
      (error as Error).stack,
      JSON.stringify(error),
      String((error as Error).cause),
      JSON.stringify((error as PromptheusError).details),
    ].join('\n');
    expect(everything).not.toContain(wrongKey);
    expect(server.requests[0]!.headers['x-goog-api-key']).toBe(wrongKey);
  });

  it('names the model on a 404', async () => {
    const server = await start({ models: ['gemini-2.5-flash'] });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url, model: 'gemini-9-ultra' });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect((error as PromptheusError).details).toMatchObject({ reason: 'model_not_found', status: 404 });
    expect((error as PromptheusError).message).toMatch(/"gemini-9-ultra"/);
    expect((error as PromptheusError).retryable).toBe(false);
  });

  it('without a key fails with a config error and makes no request', async () => {
    const server = await start();
    const gemini = createGeminiProvider({ baseUrl: server.url, env: {} });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect(PromptheusError.hasCode(error, 'config')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({ reason: 'missing_key' });
    expect((error as PromptheusError).message).toMatch(/GEMINI_API_KEY/);
    expect(server.requests).toHaveLength(0);
  });

  it('reads GEMINI_API_KEY at the first call, not at creation', async () => {
    const server = await start({ replies: ['ok'] });
    const env: Record<string, string | undefined> = {};
    const gemini = createGeminiProvider({ baseUrl: server.url, env });
    env['GEMINI_API_KEY'] = apiKey;
    expect((await gemini.generateText({ prompt: 'x' })).text).toBe('ok');
  });

  it('reports an unreachable API as a retryable network error', async () => {
    const server = await start();
    await server.close();
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const error = await errorOf(gemini.generateText({ prompt: 'x', timeoutMs: 5_000 }));
    expect((error as PromptheusError).details).toMatchObject({ reason: 'network' });
    expect((error as PromptheusError).retryable).toBe(true);
    expect((error as PromptheusError).message).toContain(server.url);
  });

  it('reports a blocked prompt', async () => {
    const server = await start({ replies: [{ blocked: 'SAFETY' }] });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const error = await errorOf(gemini.generateText({ prompt: 'x' }));
    expect((error as PromptheusError).details).toMatchObject({ reason: 'blocked' });
  });

  it('embeds texts through batchEmbedContents', async () => {
    const server = await start({ embeddingDimensions: 4 });
    const gemini = createGeminiProvider({ apiKey, baseUrl: server.url });
    const vectors = await gemini.embed({ texts: ['node_cpu_seconds_total', 'http_requests_total'] });
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(4);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(server.requests[0]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(server.requests[0]!.body).toMatchObject({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'node_cpu_seconds_total' }] } },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'http_requests_total' }] } },
      ],
    });
  });
});
