import { PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { importPeer, llmError, networkFailure, redact } from './errors.js';

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
});
