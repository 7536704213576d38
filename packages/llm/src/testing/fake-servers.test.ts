import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import { describe, expect, it } from 'vitest';
import { closeAfterTest } from '../test-helpers.js';
import { startFakeGeminiServer, startFakeOllamaServer } from './index.js';

describe('fake API servers, read by the real SDKs', () => {
  it('Gemini streamGenerateContent arrives as SSE events the SDK assembles', async () => {
    const server = await startFakeGeminiServer({
      apiKey: 'k',
      replies: ['a reply long enough to be split into several events'],
    });
    closeAfterTest(server);
    const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url } });
    const stream = await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    const pieces: string[] = [];
    let lastUsage: number | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.text ?? '');
      lastUsage = chunk.usageMetadata?.candidatesTokenCount;
    }
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe('a reply long enough to be split into several events');
    expect(lastUsage).toBe(Math.ceil('a reply long enough to be split into several events'.length / 4));
    expect(server.requests[0]).toMatchObject({
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      query: { alt: 'sse' },
    });
  });

  it('Gemini errors reach the SDK as ApiError with the status and the API error body', async () => {
    const server = await startFakeGeminiServer({
      replies: [{ error: { status: 503, message: 'overloaded' } }],
    });
    closeAfterTest(server);
    const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url } });
    const error = await client.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(503);
    expect(JSON.parse((error as Error).message)).toEqual({
      error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' },
    });
  });

  it('Ollama /api/generate streams and answers in one piece with stream: false; /api/tags lists models', async () => {
    const server = await startFakeOllamaServer({ replies: ['streamed answer', 'single answer'] });
    closeAfterTest(server);
    const client = new Ollama({ host: server.url });
    let streamed = '';
    let evalCount = 0;
    for await (const part of await client.generate({ model: 'llama3.2', prompt: 'hi', stream: true })) {
      streamed += part.response;
      if (part.done) evalCount = part.eval_count;
    }
    expect(streamed).toBe('streamed answer');
    expect(evalCount).toBe(Math.ceil('streamed answer'.length / 4));
    const single = await client.generate({ model: 'llama3.2', prompt: 'hi', system: 'be brief' });
    expect(single).toMatchObject({ response: 'single answer', done: true, done_reason: 'stop' });
    const tags = await client.list();
    expect(tags.models.map((model) => model.name)).toEqual(['llama3.2:latest', 'nomic-embed-text:latest']);
    expect(server.requests[1]!.body).toMatchObject({
      model: 'llama3.2',
      prompt: 'hi',
      system: 'be brief',
      stream: false,
    });
  });

  it('Ollama reports a model that is not pulled with its 404 body', async () => {
    const server = await startFakeOllamaServer();
    closeAfterTest(server);
    const error = await new Ollama({ host: server.url })
      .chat({ model: 'mistral', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status_code: 404, error: "model 'mistral' not found" });
  });
});
