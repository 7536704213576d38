import { PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { importPeer, type LlmFailureReason, llmError, networkFailure, redact, toLlmError } from './errors.js';

describe('provider errors', () => {
  it('names the missing SDK package and how to install it', async () => {
    const specifier = ['promptheus', 'missing', 'sdk'].join('-');
    const error = await importPeer(specifier, () => import(/* @vite-ignore */ specifier), {
      provider: 'gemini',
      model: 'm',
    }).catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(error, 'config')).toBe(true);
    expect((error as PromptheusError).details).toMatchObject({ reason: 'missing_sdk' });
    expect((error as Error).message).toContain(`npm install ${specifier}`);
  });

  it('removes the secret from the message and from the cause', () => {
    const secret = 'AIzaSecret-123456';
    const error = llmError('auth', `bad key ${secret}`, {
      provider: 'gemini',
      model: 'm',
      secret,
      cause: new Error(`request with key=${secret} failed`),
    });
    expect(error.message).toBe('bad key [redacted]');
    expect(String((error.cause as Error).message)).toBe('request with key=[redacted] failed');
    expect(redact('no secret here', secret)).toBe('no secret here');
  });

  it('recognises network failures through the cause chain', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(networkFailure(refused)).toBe('ECONNREFUSED');
    expect(networkFailure(new Error('HTTP 500'))).toBeUndefined();
  });

  describe('toLlmError', () => {
    const wording = {
      provider: 'test',
      model: 'm',
      secret: 'sk-secret-value',
      answered: (reason: LlmFailureReason, status: number) => `${reason} ${status} sk-secret-value`,
      unreachable: (failure: string) => `cannot reach (${failure})`,
      other: 'something else',
      otherRetryable: false,
    };

    it.each([
      [401, 'auth', false],
      [403, 'auth', false],
      [404, 'model_not_found', false],
      [429, 'rate_limit', true],
      [408, 'unavailable', true],
      [500, 'unavailable', true],
      [503, 'unavailable', true],
      [400, 'bad_request', false],
      [422, 'bad_request', false],
    ] as const)('maps an HTTP %i answer to %s (retryable: %s)', (status, reason, retryable) => {
      const error = toLlmError(new Error('answer'), { ...wording, status });
      expect(PromptheusError.hasCode(error, 'llm')).toBe(true);
      expect(error.details).toMatchObject({ reason, status, provider: 'test', model: 'm' });
      expect(error.retryable).toBe(retryable);
      expect(error.message).toBe(`${reason} ${status} [redacted]`);
    });

    it('keeps a reason the provider knows better, and the wait the API asked for', () => {
      const error = toLlmError(new Error('answer'), {
        ...wording,
        status: 400,
        reason: 'auth',
        retryAfterMs: 1500,
      });
      expect(error.details).toMatchObject({ reason: 'auth', status: 400, retryAfterMs: 1500 });
      expect(error.retryable).toBe(false);
    });

    it('reports an unreachable API as a retryable network error, and anything else as unavailable', () => {
      const refused = new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
      const network = toLlmError(refused, { ...wording, status: undefined });
      expect(network.details).toMatchObject({ reason: 'network' });
      expect(network.retryable).toBe(true);
      expect(network.message).toBe('cannot reach (ECONNREFUSED)');

      const other = toLlmError(new Error('odd'), { ...wording, status: undefined });
      expect(other.details).toMatchObject({ reason: 'unavailable' });
      expect(other.retryable).toBe(false);
      expect(
        toLlmError(new Error('odd'), { ...wording, status: undefined, otherRetryable: true }).retryable,
      ).toBe(true);
    });

    it('returns a PromptheusError as it is', () => {
      const original = new PromptheusError('timeout', 'too slow');
      expect(toLlmError(original, { ...wording, status: 500 })).toBe(original);
    });
  });
});
