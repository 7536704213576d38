import { type FallbackAttempt, fallbackProvider, PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGeminiProvider } from './gemini-provider.js';
import { createOllamaProvider } from './ollama-provider.js';
import { closeAfterTest } from './test-helpers.js';
import { startFakeGeminiServer, startFakeOllamaServer } from './testing/index.js';

describe('fallbackProvider over the real SDKs', () => {
  it('a Gemini outage trips the breaker: the dead API is called only until it opens, Ollama answers', async () => {
    let geminiUp = false;
    const gemini = await startFakeGeminiServer({
      apiKey: 'key',
      replies: () =>
        geminiUp
          ? '{"cause":"memory leak"}'
          : { error: { status: 503, message: 'The service is currently unavailable.' } },
    });
    const ollama = await startFakeOllamaServer({ replies: () => '{"cause":"disk full"}' });
    closeAfterTest(gemini, ollama);
    let clock = 0;
    const attempts: FallbackAttempt[] = [];
    const llm = fallbackProvider(
      [
        createGeminiProvider({ apiKey: 'key', baseUrl: gemini.url }),
        createOllamaProvider({ host: ollama.url }),
      ],
      {
        breaker: { failureThreshold: 3, cooldownMs: 30_000 },
        now: () => clock,
        onAttempt: (attempt) => attempts.push(attempt),
      },
    );
    const schema = z.object({ cause: z.string() });
    // one anomaly analysis every 10 s for two minutes
    for (let tick = 0; tick < 12; tick++) {
      const result = await llm.generateObject({ prompt: `anomaly ${tick}`, schema });
      expect(result.provider).toBe('ollama');
      expect(result.object.cause).toBe('disk full');
      clock += 10_000;
    }
    // 3 failures (0, 10, 20 s) open the circuit for 30 s; after each cool-down exactly one trial
    // call gets through (50, 80, 110 s) and fails; the 6 calls in between skip Gemini entirely.
    expect(gemini.requests).toHaveLength(6);
    expect(ollama.requests).toHaveLength(12);
    expect(attempts.filter((attempt) => attempt.outcome === 'skipped')).toHaveLength(6);
    expect(llm.circuits()[0]).toMatchObject({ provider: 'gemini', state: 'open', consecutiveFailures: 6 });

    // Gemini recovers: the next trial after the cool-down succeeds and closes the circuit
    geminiUp = true;
    clock += 30_000;
    expect((await llm.generateObject({ prompt: 'x', schema })).object.cause).toBe('memory leak');
    expect(llm.circuits()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(gemini.requests).toHaveLength(7);
  });

  it('a Gemini 429 with a long wait falls through to Ollama without waiting', async () => {
    const gemini = await startFakeGeminiServer({
      replies: [
        {
          error: {
            status: 429,
            message: 'You exceeded your current quota.',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '40s' }],
          },
        },
      ],
    });
    const ollama = await startFakeOllamaServer({ replies: ['local answer'] });
    closeAfterTest(gemini, ollama);
    const llm = fallbackProvider([
      createGeminiProvider({ apiKey: 'key', baseUrl: gemini.url }),
      createOllamaProvider({ host: ollama.url }),
    ]);
    const startedAt = Date.now();
    const result = await llm.generateText({ prompt: 'x' });
    expect(result).toMatchObject({ text: 'local answer', provider: 'ollama' });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('an empty chain fails with a config error and calls nothing', async () => {
    const llm = fallbackProvider([]);
    const error = await llm.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'config')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({ reason: 'no_provider' });
  });
});
