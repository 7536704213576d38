import { type FallbackLlmProvider, PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { createProviderFromEnv } from './from-env.js';
import { closeAfterTest } from './test-helpers.js';
import { startFakeGeminiServer, startFakeOllamaServer } from './testing/index.js';

const key = 'AIzaEnv-secret-key-000111222';

describe('createProviderFromEnv', () => {
  it('returns null when nothing is configured, and touches no server', async () => {
    const gemini = await startFakeGeminiServer();
    closeAfterTest(gemini);
    expect(createProviderFromEnv({})).toBeNull();
    expect(
      createProviderFromEnv({ GEMINI_API_KEY: '  ', LLM_URL: '', GEMINI_BASE_URL: gemini.url }),
    ).toBeNull();
    expect(gemini.requests).toHaveLength(0);
  });

  it('builds Gemini from GEMINI_API_KEY', async () => {
    const gemini = await startFakeGeminiServer({ apiKey: key, replies: ['from gemini'] });
    closeAfterTest(gemini);
    const llm = createProviderFromEnv({
      GEMINI_API_KEY: key,
      GEMINI_BASE_URL: gemini.url,
      GEMINI_MODEL: 'gemini-2.5-flash-lite',
    });
    expect(llm).not.toBeNull();
    const result = await llm!.generateText({ prompt: 'x' });
    expect(result).toMatchObject({ text: 'from gemini', provider: 'gemini' });
    expect(gemini.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash-lite:generateContent');
  });

  it('builds Ollama from LLM_URL (also the /api/generate form) and LLM_MODEL', async () => {
    const ollama = await startFakeOllamaServer({ models: ['phi3'], replies: ['from ollama'] });
    closeAfterTest(ollama);
    const llm = createProviderFromEnv({ LLM_URL: `${ollama.url}/api/generate`, LLM_MODEL: 'phi3' });
    const result = await llm!.generateText({ prompt: 'x' });
    expect(result).toMatchObject({ text: 'from ollama', provider: 'ollama', model: 'phi3' });
  });

  it('chains Gemini then Ollama when both are set', async () => {
    const gemini = await startFakeGeminiServer({
      apiKey: key,
      replies: [{ error: { status: 500, message: 'Internal error' } }],
    });
    const ollama = await startFakeOllamaServer({ replies: ['fallback answer'] });
    closeAfterTest(gemini, ollama);
    const llm = createProviderFromEnv({
      GEMINI_API_KEY: key,
      GEMINI_BASE_URL: gemini.url,
      LLM_URL: ollama.url,
    });
    expect((llm as FallbackLlmProvider).providers.map((provider) => provider.name)).toEqual([
      'gemini',
      'ollama',
    ]);
    const result = await llm!.generateText({ prompt: 'x' });
    expect(result.provider).toBe('ollama');
    expect(gemini.requests).toHaveLength(1);
  });

  it('applies LLM_REQUESTS_PER_MINUTE as a budget that refuses instead of queueing', async () => {
    const ollama = await startFakeOllamaServer({ replies: () => 'ok' });
    closeAfterTest(ollama);
    const llm = createProviderFromEnv({ LLM_URL: ollama.url, LLM_REQUESTS_PER_MINUTE: '2' })!;
    await llm.generateText({ prompt: 'a' });
    await llm.generateText({ prompt: 'b' });
    const error = await llm.generateText({ prompt: 'c' }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'rate_limited')).toBe(true);
    expect(ollama.requests).toHaveLength(2);
  });

  it('rejects invalid values naming the variable, never echoing the key', () => {
    const attempt = () =>
      createProviderFromEnv({ GEMINI_API_KEY: key, LLM_URL: 'ftp://nowhere', LLM_TIMEOUT_MS: 'soon' });
    expect(attempt).toThrow(PromptheusError);
    try {
      attempt();
    } catch (error) {
      expect(PromptheusError.hasCode(error, 'config')).toBe(true);
      expect((error as Error).message).toMatch(/LLM_URL/);
      expect((error as Error).message).toMatch(/LLM_TIMEOUT_MS/);
      expect(JSON.stringify(error) + (error as Error).message).not.toContain(key);
    }
  });
});
