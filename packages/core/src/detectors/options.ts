import type { z } from 'zod';
import { PromptheusError } from '../errors.js';

/**
 * Validates a detector factory's options; on failure throws a `config` error that names the
 * factory, the option and the reason, e.g. `zScoreDetector: option "window" must be at least 2`.
 */
export function parseDetectorOptions<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  factory: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '';
  const message = issue?.message ?? 'is invalid';
  throw new PromptheusError(
    'config',
    path ? `${factory}: option "${path}" ${lowerFirst(message)}` : `${factory}: ${lowerFirst(message)}`,
    { details: { option: path, issues: result.error.issues.map((item) => item.message) } },
  );
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
