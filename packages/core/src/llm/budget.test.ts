import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PromptheusError } from '../errors.js';
import { createMockLlmProvider } from '../testing/mock-llm-provider.js';
import { withBudget } from './budget.js';

describe('withBudget', () => {
  it('refuses calls over the request budget with rate_limited, without calling the provider', async () => {
    let clock = 0;
    const mock = createMockLlmProvider({ responses: () => 'ok' });
    const llm = withBudget(mock, { requestsPerMinute: 2, now: () => clock });
    await llm.generateText({ prompt: 'a' });
    clock = 10_000;
    await llm.generateText({ prompt: 'b' });
    const error = await llm.generateText({ prompt: 'c' }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'rate_limited')).toBe(true);
    expect((error as PromptheusError).retryable).toBe(false);
    expect((error as PromptheusError).details).toMatchObject({
      limit: 'requestsPerMinute',
      retryAfterMs: 50_000,
    });
    expect(mock.calls).toHaveLength(2);
    clock = 60_000; // the first call leaves the window
    await expect(llm.generateText({ prompt: 'd' })).resolves.toMatchObject({ text: 'ok' });
    expect(llm.usage()).toMatchObject({ requests: 2, requestsPerMinute: 2 });
  });

  it('counts the tokens the provider reports and refuses once the token budget is used', async () => {
    let clock = 0;
    const mock = createMockLlmProvider({
      responses: () => ({ text: 'ok', usage: { promptTokens: 400, completionTokens: 200 } }),
    });
    const llm = withBudget(mock, { tokensPerMinute: 1_000, now: () => clock });
    await llm.generateText({ prompt: 'a' });
    expect(llm.usage().tokens).toBe(600);
    clock = 30_000;
    // 600 used + an estimate of 500 prompt tokens exceed 1000
    const error = await llm.generateText({ prompt: 'x'.repeat(2_000) }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'rate_limited')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({
      limit: 'tokensPerMinute',
      retryAfterMs: 30_000,
    });
    // a small prompt still fits
    await expect(llm.generateText({ prompt: 'short' })).resolves.toBeDefined();
    expect(llm.usage().tokens).toBe(1_200);
  });

  it('passes name, model, objects and embeddings through', async () => {
    const mock = createMockLlmProvider({ name: 'gemini', model: 'm', responses: ['{"a":1}'] });
    const llm = withBudget(mock, { requestsPerMinute: 5 });
    expect(llm.name).toBe('gemini');
    expect(llm.model).toBe('m');
    expect((await llm.generateObject({ prompt: 'x', schema: z.object({ a: z.number() }) })).object).toEqual({
      a: 1,
    });
    expect(await llm.embed?.({ texts: ['a'] })).toHaveLength(1);
    expect(llm.usage().requests).toBe(2);
  });

  it('rejects a bad limit with a config error', () => {
    expect(() => withBudget(createMockLlmProvider(), { requestsPerMinute: -1 })).toThrow(/requestsPerMinute/);
  });
});
