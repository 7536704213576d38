import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PromptheusError } from '../errors.js';
import { createMockLlmProvider } from '../testing/mock-llm-provider.js';
import { withBudget } from './budget.js';
import { type FallbackAttempt, fallbackProvider } from './fallback-provider.js';

const outage = () => new PromptheusError('llm', 'gemini: 503 service unavailable', { retryable: true });

describe('fallbackProvider', () => {
  it('with no providers rejects with a config error and calls nothing', async () => {
    const llm = fallbackProvider([null, undefined]);
    const error = await llm.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'config')).toBe(true);
    expect((error as PromptheusError).details).toEqual({ reason: 'no_provider' });
    expect((error as PromptheusError).message).toMatch(/GEMINI_API_KEY/);
    await expect(llm.generateObject({ prompt: 'x', schema: z.object({}) })).rejects.toThrow(
      /No LLM provider/,
    );
    expect(llm.model).toBe('none');
  });

  it('moves on to the next provider on a retryable failure and reports who answered', async () => {
    const first = createMockLlmProvider({ name: 'gemini', responses: [{ error: outage() }] });
    const second = createMockLlmProvider({ name: 'ollama', responses: ['from ollama'] });
    const attempts: FallbackAttempt[] = [];
    const llm = fallbackProvider([first, second], { onAttempt: (attempt) => attempts.push(attempt) });
    const result = await llm.generateText({ prompt: 'x' });
    expect(result.text).toBe('from ollama');
    expect(result.provider).toBe('ollama');
    expect(attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual([
      'gemini:failed',
      'ollama:ok',
    ]);
  });

  it('moves on when the output stays invalid after the repair round', async () => {
    const first = createMockLlmProvider({ name: 'gemini', responses: ['nope', 'still nope'] });
    const second = createMockLlmProvider({ name: 'ollama', responses: [{ object: { cause: 'disk' } }] });
    const llm = fallbackProvider([first, second]);
    const result = await llm.generateObject({ prompt: 'x', schema: z.object({ cause: z.string() }) });
    expect(result.object.cause).toBe('disk');
    expect(result.provider).toBe('ollama');
    expect(first.calls).toHaveLength(2);
    // bad output is not an outage: the breaker stays closed
    expect(llm.circuits()[0]?.consecutiveFailures).toBe(0);
  });

  it('does not move on for a bad request or a caller abort', async () => {
    const bad = new PromptheusError('invalid_input', 'prompt too long');
    const first = createMockLlmProvider({ name: 'a', responses: [{ error: bad }] });
    const second = createMockLlmProvider({ name: 'b', responses: ['never'] });
    const llm = fallbackProvider([first, second]);
    await expect(llm.generateText({ prompt: 'x' })).rejects.toBe(bad);
    expect(second.calls).toHaveLength(0);

    const hanging = createMockLlmProvider({ name: 'a', responses: [{ hang: true }] });
    const controller = new AbortController();
    const pending = fallbackProvider([hanging, second]).generateText({
      prompt: 'x',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toSatisfy((error) => PromptheusError.hasCode(error, 'aborted'));
    expect(second.calls).toHaveLength(0);
  });

  it('aggregates the failures when every provider fails', async () => {
    const first = createMockLlmProvider({ name: 'gemini', responses: [{ error: outage() }] });
    const second = createMockLlmProvider({
      name: 'ollama',
      responses: [{ error: new PromptheusError('network', 'connect ECONNREFUSED', { retryable: true }) }],
    });
    const error = await fallbackProvider([first, second])
      .generateText({ prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
    expect((error as PromptheusError).retryable).toBe(true);
    expect((error as PromptheusError).message).toMatch(/gemini: .*503.*; ollama: .*ECONNREFUSED/);
  });

  it('opens the circuit after consecutive failures, skips the dead provider, then lets one trial through', async () => {
    let clock = 1_000_000;
    const dead = createMockLlmProvider({ name: 'dead', responses: () => ({ error: outage() }) });
    const healthy = createMockLlmProvider({ name: 'healthy', responses: () => 'ok' });
    const llm = fallbackProvider([dead, healthy], {
      breaker: { failureThreshold: 2, cooldownMs: 10_000 },
      now: () => clock,
    });
    for (let call = 0; call < 10; call++)
      expect((await llm.generateText({ prompt: 'x' })).provider).toBe('healthy');
    expect(dead.calls).toHaveLength(2);
    expect(llm.circuits()[0]).toMatchObject({ state: 'open', consecutiveFailures: 2, retryAt: 1_010_000 });

    clock += 10_000;
    expect(llm.circuits()[0]?.state).toBe('half-open');
    await llm.generateText({ prompt: 'x' });
    expect(dead.calls).toHaveLength(3); // one trial call
    await llm.generateText({ prompt: 'x' });
    expect(dead.calls).toHaveLength(3); // failed trial: open again
    expect(healthy.calls).toHaveLength(12);
  });

  it('closes the circuit when the trial call succeeds', async () => {
    let clock = 0;
    let up = false;
    const flaky = createMockLlmProvider({
      name: 'flaky',
      responses: () => (up ? 'back' : { error: outage() }),
    });
    const llm = fallbackProvider([flaky, createMockLlmProvider({ responses: () => 'spare' })], {
      breaker: { failureThreshold: 1, cooldownMs: 5_000 },
      now: () => clock,
    });
    await llm.generateText({ prompt: 'x' });
    expect(llm.circuits()[0]?.state).toBe('open');
    up = true;
    clock = 5_000;
    expect((await llm.generateText({ prompt: 'x' })).text).toBe('back');
    expect(llm.circuits()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0, retryAt: null });
  });

  it('fails fast with a retryable circuit_open error when every circuit is open', async () => {
    const dead = createMockLlmProvider({ name: 'dead', responses: () => ({ error: outage() }) });
    const llm = fallbackProvider([dead], { breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    await expect(llm.generateText({ prompt: 'x' })).rejects.toThrow(/503/);
    const error = await llm.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect((error as PromptheusError).details?.['reason']).toBe('circuit_open');
    expect((error as PromptheusError).retryable).toBe(true);
    expect(dead.calls).toHaveLength(1);
  });

  it('gives each attempt its own deadline so a hanging provider leaves time for the next', async () => {
    const hanging = createMockLlmProvider({ name: 'hanging', responses: [{ hang: true }] });
    const spare = createMockLlmProvider({ name: 'spare', responses: ['spare answer'] });
    const llm = fallbackProvider([hanging, spare], { attemptTimeoutMs: 30 });
    const result = await llm.generateText({ prompt: 'x', timeoutMs: 2_000 });
    expect(result.provider).toBe('spare');
  });

  it('the request timeout bounds the whole chain', async () => {
    const hanging = createMockLlmProvider({ name: 'hanging', responses: [{ hang: true }] });
    const spare = createMockLlmProvider({ name: 'spare', responses: ['late'] });
    const error = await fallbackProvider([hanging, spare])
      .generateText({ prompt: 'x', timeoutMs: 30 })
      .catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'timeout')).toBe(true);
    expect(spare.calls).toHaveLength(0);
  });

  it('applies a default max output tokens to requests without one', async () => {
    const mock = createMockLlmProvider({ responses: ['a', 'b'] });
    const llm = fallbackProvider([mock], { maxOutputTokens: 256 });
    await llm.generateText({ prompt: 'x' });
    await llm.generateText({ prompt: 'x', maxOutputTokens: 50 });
    expect(mock.calls.map((call) => call.request.maxOutputTokens)).toEqual([256, 50]);
  });

  it('moves past a provider whose budget is used up without opening its circuit', async () => {
    const limited = withBudget(createMockLlmProvider({ name: 'limited', responses: () => 'limited' }), {
      requestsPerMinute: 1,
    });
    const spare = createMockLlmProvider({ name: 'spare', responses: () => 'spare' });
    const llm = fallbackProvider([limited, spare], { breaker: { failureThreshold: 1 } });
    expect((await llm.generateText({ prompt: 'x' })).provider).toBe('limited');
    expect((await llm.generateText({ prompt: 'x' })).provider).toBe('spare');
    expect(llm.circuits()[0]?.state).toBe('closed');
  });

  it('rejects bad breaker options with a config error', () => {
    expect(() => fallbackProvider([], { breaker: { failureThreshold: 0 } })).toThrow(/failureThreshold/);
  });
});
