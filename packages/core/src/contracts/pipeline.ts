import { PromptheusError } from '../errors.js';

/** Continues with the rest of the pipeline. */
export type Next = () => Promise<void>;

/**
 * One step of a pipeline, composed like Hono middleware: do work, call `await next()` to run the
 * rest of the pipeline, then optionally do more work after it. Not calling `next()` ends the pipeline.
 */
export type PipelineStep<Context> = (context: Context, next: Next) => Promise<void> | void;

/** A step with a name, so users can insert, replace or remove steps by name. */
export interface NamedStep<Context> {
  readonly name: string;
  readonly run: PipelineStep<Context>;
}

/**
 * Composes steps into one function. Calling `next()` twice in a step is an error (code `conflict`);
 * an error thrown by any step rejects the returned promise.
 */
export function compose<Context>(
  steps: ReadonlyArray<PipelineStep<Context>>,
): (context: Context) => Promise<void> {
  return (context) => {
    let lastIndex = -1;
    const dispatch = async (index: number): Promise<void> => {
      if (index <= lastIndex)
        throw new PromptheusError('conflict', 'next() called multiple times in one pipeline step');
      lastIndex = index;
      const step = steps[index];
      if (!step) return;
      await step(context, () => dispatch(index + 1));
    };
    return dispatch(0);
  };
}
