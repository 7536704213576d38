import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PromptheusError } from '../errors.js';
import { isInvalidOutputError } from '../llm/structured-output.js';
import { createMockLlmProvider } from './mock-llm-provider.js';

const verdict = z.object({ cause: z.string(), confidence: z.number().min(0).max(1) });

describe('createMockLlmProvider', () => {
  it('answers text from the script in order and records each request', async () => {
    const provider = createMockLlmProvider({
      responses: ['first', { text: 'second', usage: { promptTokens: 7 } }],
    });
    const one = await provider.generateText({ system: 'be brief', prompt: 'hello' });
    const two = await provider.generateText({ prompt: 'again' });
    expect(one.text).toBe('first');
    expect(one.provider).toBe('mock');
    expect(one.model).toBe('mock-model');
    expect(two.usage.promptTokens).toBe(7);
    expect(two.usage.totalTokens).toBe(7 + two.usage.completionTokens);
    expect(provider.calls.map((call) => call.request.prompt)).toEqual(['hello', 'again']);
    expect(provider.calls[0]?.request.system).toBe('be brief');
    await expect(provider.generateText({ prompt: 'third' })).rejects.toThrow(
      /no scripted response for call #3/,
    );
  });

  it('estimates usage when the script gives none', async () => {
    const provider = createMockLlmProvider({ responses: ['x'.repeat(40)] });
    const result = await provider.generateText({ prompt: 'y'.repeat(80) });
    expect(result.usage).toEqual({ promptTokens: 20, completionTokens: 10, totalTokens: 30 });
  });

  it('answers from a function of the call', async () => {
    const provider = createMockLlmProvider({ responses: (call) => `echo: ${call.request.prompt}` });
    expect((await provider.generateText({ prompt: 'ping' })).text).toBe('echo: ping');
  });

  it('throws the scripted error', async () => {
    const outage = new PromptheusError('llm', 'service unavailable', { retryable: true });
    const provider = createMockLlmProvider({ responses: [{ error: outage }] });
    await expect(provider.generateText({ prompt: 'x' })).rejects.toBe(outage);
  });

  it('hangs until the timeout and fails with code timeout', async () => {
    const provider = createMockLlmProvider({ responses: [{ hang: true }] });
    const error = await provider
      .generateText({ prompt: 'x', timeoutMs: 30 })
      .catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'timeout')).toBe(true);
  });

  it('hangs until the caller aborts and fails with code aborted', async () => {
    const provider = createMockLlmProvider({ responses: [{ hang: true }] });
    const controller = new AbortController();
    const pending = provider.generateText({ prompt: 'x', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toSatisfy((error) => PromptheusError.hasCode(error, 'aborted'));
  });

  it('validates objects and repairs once with the validation error fed back', async () => {
    const provider = createMockLlmProvider({
      responses: [
        '```json\n{"cause": "disk", "confidence": 7}\n```',
        { object: { cause: 'disk full', confidence: 0.8 } },
      ],
    });
    const result = await provider.generateObject({ system: 'sre', prompt: 'why?', schema: verdict });
    expect(result.object).toEqual({ cause: 'disk full', confidence: 0.8 });
    expect(provider.calls).toHaveLength(2);
    const repair = provider.calls[1];
    expect(repair?.attempt).toBe(2);
    expect(repair?.request.system).toBe('sre');
    expect(repair?.request.messages).toEqual([
      { role: 'user', content: 'why?' },
      { role: 'assistant', content: '```json\n{"cause": "disk", "confidence": 7}\n```' },
    ]);
    expect(repair?.request.prompt).toMatch(/confidence/);
    expect(repair?.request.prompt).toMatch(/<=1/);
    expect(provider.calls[0]?.jsonSchema).toMatchObject({
      type: 'object',
      required: ['cause', 'confidence'],
    });
    // usage of both rounds is counted: completion tokens of the bad reply plus the repaired one
    const firstReply = '```json\n{"cause": "disk", "confidence": 7}\n```';
    const secondReply = JSON.stringify({ cause: 'disk full', confidence: 0.8 });
    expect(result.usage.completionTokens).toBe(
      Math.ceil(firstReply.length / 4) + Math.ceil(secondReply.length / 4),
    );
  });

  it('fails with an invalid-output llm error when the repair is still invalid', async () => {
    const provider = createMockLlmProvider({ responses: ['not json at all', '{"cause": 1}'] });
    const error = await provider
      .generateObject({ prompt: 'why?', schema: verdict })
      .catch((caught: unknown) => caught);
    expect(isInvalidOutputError(error)).toBe(true);
    expect((error as PromptheusError).retryable).toBe(false);
    expect((error as PromptheusError).message).toMatch(/mock model mock-model .*schema.*cause/);
    expect(provider.calls).toHaveLength(2);
  });

  it('the timeout bounds both rounds of generateObject together', async () => {
    const provider = createMockLlmProvider({ responses: [{ text: 'bad', delayMs: 30 }, { hang: true }] });
    const startedAt = Date.now();
    const error = await provider
      .generateObject({ prompt: 'x', schema: verdict, timeoutMs: 80 })
      .catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'timeout')).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(provider.calls).toHaveLength(2);
  });

  it('embeds deterministically and records the call; reset forgets calls', async () => {
    const provider = createMockLlmProvider();
    const [a, b] = await provider.embed({ texts: ['cpu usage', 'memory'] });
    const [again] = await provider.embed({ texts: ['cpu usage'] });
    expect(a).toEqual(again);
    expect(a).not.toEqual(b);
    expect(a).toHaveLength(8);
    expect(provider.calls.map((call) => call.kind)).toEqual(['embed', 'embed']);
    provider.reset();
    expect(provider.calls).toHaveLength(0);
  });
});
