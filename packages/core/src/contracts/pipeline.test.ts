import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { compose } from './pipeline.js';

describe('compose', () => {
  it('runs steps in order, around next()', async () => {
    const trace: string[] = [];
    const run = compose<{ trace: string[] }>([
      async (context, next) => {
        context.trace.push('a:before');
        await next();
        context.trace.push('a:after');
      },
      (context) => {
        context.trace.push('b');
      },
    ]);
    await run({ trace });
    expect(trace).toEqual(['a:before', 'b', 'a:after']);
  });

  it('stops when a step does not call next()', async () => {
    const trace: string[] = [];
    await compose<string[]>([
      (context) => void context.push('first'),
      (context) => void context.push('second'),
    ])(trace);
    expect(trace).toEqual(['first']);
  });

  it('rejects a step that calls next() twice', async () => {
    const run = compose<object>([
      async (_context, next) => {
        await next();
        await next();
      },
    ]);
    await expect(run({})).rejects.toSatisfy((error) => PromptheusError.hasCode(error, 'conflict'));
  });

  it('propagates errors thrown by later steps', async () => {
    const run = compose<object>([
      (_context, next) => next(),
      () => {
        throw new Error('boom');
      },
    ]);
    await expect(run({})).rejects.toThrow('boom');
  });
});
