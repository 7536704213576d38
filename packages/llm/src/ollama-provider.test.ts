import { isInvalidOutputError, PromptheusError, toJsonSchema } from '@promptheus/core';
import { Ollama } from 'ollama';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOllamaProvider, normalizeOllamaHost } from './ollama-provider.js';
import { closeAfterTest, errorOf } from './test-helpers.js';
import { type FakeOllamaServerOptions, startFakeOllamaServer } from './testing/index.js';

async function start(options: FakeOllamaServerOptions = {}) {
  const server = await startFakeOllamaServer(options);
  closeAfterTest(server);
  return server;
}

const verdict = z.object({ cause: z.string(), severity: z.enum(['low', 'high']) });

describe('createOllamaProvider', () => {
  it('chats with the model, system prompt and options, streaming, and reports usage', async () => {
    const server = await start({
      replies: [{ text: 'The disk filled up with logs.', usage: { promptTokens: 26, completionTokens: 8 } }],
    });
    const ollama = createOllamaProvider({ host: server.url });
    const result = await ollama.generateText({
      system: 'You are an SRE.',
      messages: [{ role: 'assistant', content: 'Ask me.' }],
      prompt: 'Why?',
      temperature: 0,
    });
    expect(result).toMatchObject({
      text: 'The disk filled up with logs.',
      provider: 'ollama',
      model: 'llama3.2',
      usage: { promptTokens: 26, completionTokens: 8, totalTokens: 34 },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe('/api/chat');
    expect(server.requests[0]!.body).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'You are an SRE.' },
        { role: 'assistant', content: 'Ask me.' },
        { role: 'user', content: 'Why?' },
      ],
      stream: true,
      options: { num_predict: 1024, temperature: 0 },
    });
  });

  it('sends the JSON schema as format and validates the object', async () => {
    const server = await start({ models: ['qwen2.5:7b'], replies: ['{"cause":"disk","severity":"high"}'] });
    const ollama = createOllamaProvider({ host: server.url, model: 'qwen2.5:7b', maxOutputTokens: 200 });
    const result = await ollama.generateObject({ prompt: 'Classify', schema: verdict });
    expect(result.object).toEqual({ cause: 'disk', severity: 'high' });
    expect(result.model).toBe('qwen2.5:7b');
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body['format']).toEqual(toJsonSchema(verdict));
    expect(body['format']).toMatchObject({ type: 'object', required: ['cause', 'severity'] });
    expect(body['options']).toEqual({ num_predict: 200 });
  });

  it('repairs invalid output once, with the bad reply and the problem in the conversation', async () => {
    const server = await start({
      replies: ['{"cause":"disk","severity":"extreme"}', '{"cause":"disk","severity":"high"}'],
    });
    const ollama = createOllamaProvider({ host: server.url });
    const result = await ollama.generateObject({ system: 'SRE', prompt: 'Classify', schema: verdict });
    expect(result.object.severity).toBe('high');
    const repair = server.requests[1]!.body as { messages: { role: string; content: string }[] };
    expect(repair.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair.messages[2]!.content).toBe('{"cause":"disk","severity":"extreme"}');
    expect(repair.messages[3]!.content).toMatch(/severity/);
  });

  it('fails with a typed error when the repaired output is still invalid', async () => {
    const server = await start({ replies: ['no json here', '{"cause": 3}'] });
    const ollama = createOllamaProvider({ host: server.url });
    const error = await errorOf(ollama.generateObject({ prompt: 'Classify', schema: verdict }));
    expect(isInvalidOutputError(error)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('names the model that is not pulled', async () => {
    const server = await start({ models: ['llama3.2'] });
    const ollama = createOllamaProvider({ host: server.url, model: 'mistral' });
    const error = await errorOf(ollama.generateText({ prompt: 'x' }));
    expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({ reason: 'model_not_found', status: 404 });
    expect((error as PromptheusError).message).toMatch(
      /"mistral".*ollama pull mistral.*model 'mistral' not found/,
    );
    expect((error as PromptheusError).retryable).toBe(false);
  });

  it('reports server errors, errors in the stream and dropped connections as retryable', async () => {
    const server = await start({
      replies: [
        { error: { status: 500, message: 'llama runner process has terminated' } },
        { streamError: 'an error was encountered while running the model' },
        { disconnect: true },
      ],
    });
    const ollama = createOllamaProvider({ host: server.url });
    for (const expected of [/HTTP 500.*terminated/, /running the model/, /./]) {
      const error = await errorOf(ollama.generateText({ prompt: 'x' }));
      expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
      expect((error as PromptheusError).retryable).toBe(true);
      expect((error as PromptheusError).message).toMatch(expected);
    }
    expect(server.requests).toHaveLength(3);
  });

  it('times out and closes the connection of a call that never answers', async () => {
    const server = await start({ replies: [{ hang: true }, 'second'] });
    const ollama = createOllamaProvider({ host: server.url });
    const startedAt = Date.now();
    const error = await errorOf(ollama.generateText({ prompt: 'x', timeoutMs: 150 }));
    expect(PromptheusError.hasCode(error, 'timeout')).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await expect.poll(() => server.pendingRequests(), { timeout: 1_000 }).toBe(0);
    // the provider is still usable afterwards
    expect((await ollama.generateText({ prompt: 'y' })).text).toBe('second');
  });

  it('stops a streaming answer when the caller aborts, also with a client of your own', async () => {
    const server = await start({
      replies: [{ text: 'a slow answer that takes several seconds to stream', chunkDelayMs: 1_000 }],
    });
    const ollama = createOllamaProvider({ client: new Ollama({ host: server.url }) });
    const controller = new AbortController();
    const pending = errorOf(ollama.generateText({ prompt: 'x', signal: controller.signal }));
    setTimeout(() => controller.abort(), 200);
    const startedAt = Date.now();
    expect(PromptheusError.hasCode(await pending, 'aborted')).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    await expect.poll(() => server.pendingRequests(), { timeout: 1_000 }).toBe(0);
  });

  it('reports a server that is not running as a retryable network error naming the host', async () => {
    const server = await start();
    await server.close();
    const ollama = createOllamaProvider({ host: server.url });
    const error = await errorOf(ollama.generateText({ prompt: 'x' }));
    expect((error as PromptheusError).details).toMatchObject({ reason: 'network' });
    expect((error as PromptheusError).retryable).toBe(true);
    expect((error as PromptheusError).message).toContain(server.url);
    expect((error as PromptheusError).message).toMatch(/LLM_URL/);
  });

  it('embeds through /api/embed', async () => {
    const server = await start({ embeddingDimensions: 5 });
    const ollama = createOllamaProvider({ host: server.url, embeddingModel: 'nomic-embed-text' });
    const vectors = await ollama.embed({ texts: ['a', 'bb'] });
    expect(vectors.map((vector) => vector.length)).toEqual([5, 5]);
    expect(server.requests[0]).toMatchObject({
      path: '/api/embed',
      body: { model: 'nomic-embed-text', input: ['a', 'bb'] },
    });
  });

  it('accepts an LLM_URL that points at /api/generate', async () => {
    expect(normalizeOllamaHost('http://ollama:11434/api/generate')).toBe('http://ollama:11434');
    expect(normalizeOllamaHost('http://ollama:11434/')).toBe('http://ollama:11434');
    const server = await start({ replies: ['ok'] });
    const ollama = createOllamaProvider({ host: `${server.url}/api/generate` });
    expect((await ollama.generateText({ prompt: 'x' })).text).toBe('ok');
  });

  it('rejects a request without a prompt', async () => {
    const ollama = createOllamaProvider({ host: 'http://127.0.0.1:9' });
    const error = await errorOf(ollama.generateText({ system: 'only a system prompt' }));
    expect(PromptheusError.hasCode(error, 'invalid_input')).toBe(true);
  });
});
