import { z } from 'zod';

/** Milliseconds since the Unix epoch. Every timestamp in Promptheus records uses this unit. */
export const timestampSchema = z.number().int().nonnegative();

/** Label set of a series, without `__name__`. */
export const labelsSchema = z.record(z.string(), z.string());
/** Label names and values of a series. */
export type Labels = Readonly<Record<string, string>>;

/** How bad an anomaly is, from least to most urgent. */
export const severitySchema = z.enum(['low', 'medium', 'high', 'critical']);
/** `low`, `medium`, `high` or `critical`. */
export type Severity = z.infer<typeof severitySchema>;

/** Severities ordered from least to most urgent, for comparisons. */
export const SEVERITIES: readonly Severity[] = severitySchema.options;

/** Compares two severities: negative when `a` is less urgent than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

/** Token usage of one or more LLM calls. */
export const tokenUsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
/** Tokens an LLM call used; see {@link tokenUsageSchema}. */
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

/** Usage of zero tokens, the neutral element of {@link addUsage}. */
export const NO_USAGE: TokenUsage = Object.freeze({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

/** Sums token usages. */
export function addUsage(...usages: ReadonlyArray<TokenUsage | undefined>): TokenUsage {
  let promptTokens = 0;
  let completionTokens = 0;
  for (const usage of usages) {
    if (!usage) continue;
    promptTokens += usage.promptTokens;
    completionTokens += usage.completionTokens;
  }
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** Identifier of a stored record: a non-empty string without control characters. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must contain only letters, digits, ".", "_", ":" and "-"');
