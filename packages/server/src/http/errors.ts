import { PromptheusError, type PromptheusErrorCode } from '@promptheus/core';
import { z } from 'zod';

/**
 * Machine-readable codes of API error responses: every {@link PromptheusErrorCode} plus the
 * HTTP-level ones.
 */
export type ApiErrorCode = PromptheusErrorCode | 'payload_too_large' | 'unsupported_media_type';

/** The body of every error response: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** An error that already knows its HTTP status. Thrown by route handlers, rendered by the app. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /** Creates an error answered with HTTP `status` and the JSON error body `{ error: { code, message, details } }`. */
  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** HTTP status for each Promptheus error code. */
const statusByCode: Readonly<Record<PromptheusErrorCode, number>> = {
  invalid_input: 400,
  invalid_promql: 400,
  config: 503,
  not_found: 404,
  conflict: 409,
  timeout: 503,
  aborted: 503,
  network: 503,
  prometheus: 502,
  bad_response: 502,
  query_refused: 422,
  llm: 502,
  notification: 502,
  storage: 503,
  unauthorized: 401,
  rate_limited: 429,
  internal: 500,
};

/** One field that failed validation. */
export interface FieldError {
  /** Dotted path of the field (`recipients.0`), or `(root)` for the whole value. */
  readonly path: string;
  readonly message: string;
}

/** Turns zod issues into field errors a person can act on. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** A 400 `invalid_input` error listing the fields that failed validation in `where` (`body`, `query`, ...). */
export function validationError(where: string, error: z.ZodError): HttpError {
  const fields = fieldErrors(error);
  const summary = fields
    .slice(0, 3)
    .map((field) => `${field.path}: ${field.message}`)
    .join('; ');
  return new HttpError(400, 'invalid_input', `Invalid ${where}: ${summary}`, { fields });
}

/**
 * Renders any thrown value as a status and an error body. Known errors keep their message (they
 * never carry secrets); anything else becomes a generic 500 so internals never leak.
 */
export function toErrorResponse(error: unknown): { status: number; body: ApiErrorBody; unexpected: boolean } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: { error: withDetails(error.code, error.message, error.details) },
      unexpected: false,
    };
  }
  if (error instanceof z.ZodError) {
    const http = validationError('input', error);
    return {
      status: 400,
      body: { error: withDetails(http.code, http.message, http.details) },
      unexpected: false,
    };
  }
  if (PromptheusError.isInstance(error)) {
    const status = statusByCode[error.code] ?? 500;
    const details = error.retryable ? { ...error.details, retryable: true } : error.details;
    return {
      status,
      body: { error: withDetails(error.code, error.message, details) },
      unexpected: error.code === 'internal',
    };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'Internal server error' } },
    unexpected: true,
  };
}

function withDetails(
  code: ApiErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> | undefined,
): ApiErrorBody['error'] {
  return details === undefined || Object.keys(details).length === 0
    ? { code, message }
    : { code, message, details };
}
