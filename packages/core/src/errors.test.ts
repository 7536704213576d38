import { describe, expect, it } from 'vitest';
import { PromptheusError } from './errors.js';

describe('PromptheusError', () => {
  it('is recognised by isInstance, also from another copy of the class', () => {
    const error = new PromptheusError('timeout', 'query timed out', { retryable: true });
    expect(PromptheusError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('promptheus.error')]: true,
      code: 'network',
    });
    expect(PromptheusError.isInstance(foreign)).toBe(true);
    expect(PromptheusError.isInstance(new Error('plain'))).toBe(false);
    expect(PromptheusError.isInstance(null)).toBe(false);
  });

  it('serialises without stack or cause', () => {
    const error = new PromptheusError('config', 'PROMETHEUS_URL is not a URL', {
      cause: new Error('secret detail'),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'config',
      message: 'PROMETHEUS_URL is not a URL',
    });
  });
});
