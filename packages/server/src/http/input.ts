import type { Context } from 'hono';
import { z } from 'zod';
import { HttpError, validationError } from './errors.js';

/**
 * Reads the request body as JSON, whatever the content type says, so `curl -d '{"prompt":…}'`
 * (sent as `application/x-www-form-urlencoded`) works. A form-encoded body that is not JSON is
 * read as form fields. Returns `undefined` for an empty body.
 */
export async function readJsonBody(context: Context): Promise<unknown> {
  const contentType = (context.req.header('content-type') ?? '').toLowerCase();
  if (contentType.startsWith('multipart/')) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send the body as JSON (Content-Type: application/json)',
    );
  }
  let text: string;
  try {
    text = await context.req.text();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'invalid_input', 'The request body could not be read');
  }
  if (text.trim() === '') return undefined;
  const trimmed = text.trimStart();
  if (
    contentType.startsWith('application/x-www-form-urlencoded') &&
    !trimmed.startsWith('{') &&
    !trimmed.startsWith('[')
  ) {
    const fields: Record<string, string> = Object.create(null);
    for (const [name, value] of new URLSearchParams(text)) if (!(name in fields)) fields[name] = value;
    return { ...fields };
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const position = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new HttpError(
      400,
      'invalid_input',
      position === undefined
        ? 'The request body is not valid JSON'
        : `The request body is not valid JSON (error at position ${position})`,
    );
  }
}

/** Reads and validates the JSON body; a validation failure is a 400 naming each bad field. */
export async function parseBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const body = await readJsonBody(context);
  if (body === undefined && !schema.safeParse(undefined).success) {
    throw new HttpError(400, 'invalid_input', 'The request body is empty; send a JSON object', {
      fields: [{ path: '(root)', message: 'expected a JSON object' }],
    });
  }
  const result = schema.safeParse(body);
  if (!result.success) throw validationError('body', result.error);
  return result.data;
}

/** Validates the query string (first value of each parameter); a failure is a 400 naming each bad parameter. */
export function parseQuery<Schema extends z.ZodType>(context: Context, schema: Schema): z.infer<Schema> {
  const result = schema.safeParse(context.req.query());
  if (!result.success) throw validationError('query', result.error);
  return result.data;
}

/** Validates one path parameter. */
export function parseParam<Schema extends z.ZodType>(
  context: Context,
  name: string,
  schema: Schema,
): z.infer<Schema> {
  const result = z.object({ [name]: schema }).safeParse({ [name]: context.req.param(name) });
  if (!result.success) throw validationError('path', result.error);
  return (result.data as Record<string, z.infer<Schema>>)[name] as z.infer<Schema>;
}

/** A query parameter holding a whole number in `[min, max]`, with a default. */
export function integerParam(options: { min: number; max: number; default: number }) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(options.min).max(options.max))
    .optional()
    .transform((value) => value ?? options.default);
}

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a point in time: milliseconds since the epoch (`1700000000000`), an ISO 8601 date
 * (`2024-05-01T10:00:00Z`), or a duration back from `now` (`15m`, `24h`, `7d`).
 */
export function parseTimeParameter(value: string, now: number): number | null {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const relative = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(value);
  if (relative) return Math.max(0, now - Number(relative[1]) * (durationUnits[relative[2]!] ?? 0));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const time = Date.parse(value);
    return Number.isNaN(time) ? null : time;
  }
  return null;
}

/** A query parameter holding a point in time (see {@link parseTimeParameter}). */
export function timeParam(now: () => number) {
  return z
    .string()
    .max(64)
    .transform((value, context) => {
      const time = parseTimeParameter(value, now());
      if (time === null) {
        context.addIssue({
          code: 'custom',
          message:
            'must be milliseconds since the epoch, an ISO 8601 date, or a duration such as 15m, 24h, 7d',
        });
        return z.NEVER;
      }
      return time;
    })
    .optional();
}
