import { z } from 'zod';
import type {
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateTextRequest,
  LlmMessage,
} from '../contracts/llm-provider.js';
import { PromptheusError } from '../errors.js';
import { addUsage, type TokenUsage } from '../model/common.js';
import { runWithDeadline } from './call.js';

/** `details.reason` of the error thrown when a model's output stays invalid after the repair round. */
export const INVALID_OUTPUT_REASON = 'invalid_output';

/** A JSON Schema document, as sent to an API's native structured-output mode. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Converts a zod schema to the JSON Schema an LLM API accepts for structured output (the input
 * shape of the schema, without the `$schema` key). Returns `undefined` for schemas JSON Schema
 * cannot express; the provider then asks for plain JSON and relies on zod validation alone.
 *
 * @example
 * ```ts
 * toJsonSchema(z.object({ cause: z.string() }));
 * // { type: 'object', properties: { cause: { type: 'string' } }, required: ['cause'] }
 * ```
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema | undefined {
  try {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    return rest;
  } catch {
    return undefined;
  }
}

/**
 * Parses the JSON value in a model's reply. Tolerates what models add around JSON: Markdown code
 * fences, a sentence before or after the object, a byte-order mark. Throws a `SyntaxError` naming
 * the problem when no JSON value can be read.
 *
 * @example
 * ```ts
 * parseModelJson('Here you go:\n```json\n{"ok": true}\n```'); // { ok: true }
 * ```
 */
export function parseModelJson(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new SyntaxError('the reply is empty');
  const candidates: string[] = [trimmed];
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(trimmed);
  if (fenced?.[1] !== undefined) candidates.push(fenced[1].trim());
  const firstBrace = firstIndexOfAny(trimmed, ['{', '[']);
  if (firstBrace >= 0) {
    const closing = trimmed[firstBrace] === '{' ? '}' : ']';
    const lastBrace = trimmed.lastIndexOf(closing);
    if (lastBrace > firstBrace) candidates.push(trimmed.slice(firstBrace, lastBrace + 1));
  }
  let firstError: unknown;
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw new SyntaxError(
    `the reply is not valid JSON (${firstError instanceof Error ? firstError.message : 'parse error'})`,
  );
}

function firstIndexOfAny(text: string, needles: readonly string[]): number {
  let best = -1;
  for (const needle of needles) {
    const index = text.indexOf(needle);
    if (index >= 0 && (best < 0 || index < best)) best = index;
  }
  return best;
}

/** One model call made on behalf of {@link generateObjectWithRepair}. */
export interface StructuredTurn {
  /** The request to send: the caller's request, plus the repair conversation on attempt 2. */
  readonly request: GenerateTextRequest;
  /** JSON Schema of the expected output, for the API's native structured-output mode. */
  readonly jsonSchema: JsonSchema | undefined;
  /** Name of the object (`request.schemaName`), for APIs that want one. */
  readonly schemaName: string | undefined;
  /** 1 for the first call, 2 for the repair round. */
  readonly attempt: 1 | 2;
  /** Aborts when the caller's timeout passes or the caller aborts. */
  readonly signal: AbortSignal;
}

/** What a provider's model call returns to {@link generateObjectWithRepair}. */
export interface StructuredTurnResult {
  readonly text: string;
  readonly usage: TokenUsage;
  /** The model that answered, when the API reports it. */
  readonly model?: string;
}

/** Options of {@link generateObjectWithRepair}. */
export interface GenerateObjectWithRepairOptions {
  /** Provider name, reported in the result and in errors. */
  readonly provider: string;
  /** Model name, reported in the result and in errors. */
  readonly model: string;
  /** Makes one model call in JSON mode. Must honour `turn.signal`. */
  readonly generate: (turn: StructuredTurn) => Promise<StructuredTurnResult>;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

const maxEchoedChars = 8_000;
const maxIssueChars = 2_000;

/**
 * Generates JSON, validates it with the request's zod schema, and on failure runs exactly one
 * repair round that shows the model its previous reply and the validation error. Shared by every
 * provider so they behave the same; the caller's `timeoutMs` bounds both rounds together.
 *
 * Throws a `PromptheusError` with code `llm` and `details.reason === 'invalid_output'` when the
 * repaired reply is still invalid (see {@link isInvalidOutputError}).
 *
 * @example
 * ```ts
 * generateObject: (request) =>
 *   generateObjectWithRepair(request, {
 *     provider: 'ollama',
 *     model,
 *     generate: (turn) => callOllama(turn.request, turn.jsonSchema, turn.signal),
 *   }),
 * ```
 */
export async function generateObjectWithRepair<T>(
  request: GenerateObjectRequest<T>,
  options: GenerateObjectWithRepairOptions,
): Promise<GenerateObjectResult<T>> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { schema, schemaName, timeoutMs: _timeout, signal: _signal, ...textRequest } = request;
  if (!schema || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new PromptheusError('invalid_input', 'generateObject needs a zod schema in request.schema');
  }
  const jsonSchema = toJsonSchema(schema);

  return runWithDeadline(`${options.provider} generateObject`, request, async (signal) => {
    const usages: TokenUsage[] = [];
    let turnRequest: GenerateTextRequest = textRequest;
    let lastProblem = '';
    let lastIssues: unknown;
    for (const attempt of [1, 2] as const) {
      const result = await options.generate({
        request: turnRequest,
        jsonSchema,
        schemaName,
        attempt,
        signal,
      });
      usages.push(result.usage);
      const checked = validate(schema, result.text);
      if (checked.ok) {
        return {
          object: checked.value,
          text: result.text,
          usage: addUsage(...usages),
          provider: options.provider,
          model: result.model ?? options.model,
          latencyMs: Math.max(0, now() - startedAt),
        };
      }
      lastProblem = checked.problem;
      lastIssues = checked.issues;
      turnRequest = repairRequest(textRequest, result.text, checked.problem);
    }
    throw new PromptheusError(
      'llm',
      `${options.provider} model ${options.model} returned output that does not match the schema` +
        `${schemaName ? ` "${schemaName}"` : ''} after one repair round: ${firstLine(lastProblem)}`,
      {
        retryable: false,
        details: {
          reason: INVALID_OUTPUT_REASON,
          provider: options.provider,
          model: options.model,
          ...(lastIssues === undefined ? {} : { issues: lastIssues }),
        },
      },
    );
  });
}

/** True when `error` says a model's output stayed invalid after the repair round. */
export function isInvalidOutputError(error: unknown): error is PromptheusError {
  return PromptheusError.hasCode(error, 'llm') && error.details?.['reason'] === INVALID_OUTPUT_REASON;
}

type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string; readonly issues?: unknown };

function validate<T>(schema: z.ZodType<T>, text: string): Checked<T> {
  let parsed: unknown;
  try {
    parsed = parseModelJson(text);
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : 'the reply is not valid JSON' };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problem: z.prettifyError(result.error).slice(0, maxIssueChars),
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
  };
}

function repairRequest(
  original: GenerateTextRequest,
  badReply: string,
  problem: string,
): GenerateTextRequest {
  const messages: LlmMessage[] = [...(original.messages ?? [])];
  if (original.prompt !== undefined) messages.push({ role: 'user', content: original.prompt });
  messages.push({ role: 'assistant', content: badReply.slice(0, maxEchoedChars) });
  return {
    ...original,
    messages,
    prompt:
      'Your previous reply could not be used because it does not match the required JSON schema.\n' +
      `Problems:\n${problem}\n` +
      'Reply again with only the corrected JSON value: no explanation, no Markdown code fences.',
  };
}

function firstLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/^✖\s*/, '').trim())
    .filter(Boolean);
  return lines.slice(0, 2).join(' ');
}
