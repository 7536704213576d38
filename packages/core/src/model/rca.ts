import { z } from 'zod';
import { timestampSchema, tokenUsageSchema } from './common.js';

/** What the LLM (or the fallback) must produce for a root-cause analysis. */
export const rcaContentSchema = z.object({
  /** One sentence: what happened. */
  summary: z.string().min(1),
  /** The same in plain language for someone who is not an SRE. */
  simplified: z.string().min(1),
  /** The most likely cause. */
  cause: z.string().min(1),
  /** What to do about it. */
  fix: z.string().min(1),
});
/** Summary, plain-language explanation, cause and fix; see {@link rcaContentSchema}. */
export type RcaContent = z.infer<typeof rcaContentSchema>;

/** Who wrote a root-cause analysis: a model (`llm`) or the deterministic fallback. */
export const rcaSourceSchema = z.enum(['llm', 'fallback']);
/** `llm` or `fallback`. */
export type RcaSource = z.infer<typeof rcaSourceSchema>;

/** A stored root-cause analysis of one anomaly. */
export const rcaSchema = rcaContentSchema.extend({
  id: z.string(),
  anomalyId: z.string(),
  fingerprint: z.string(),
  /** `llm` when a model wrote it, `fallback` when it was built from the detector's evidence. */
  source: rcaSourceSchema,
  /** Provider and model that wrote it, when `source` is `llm`. */
  provider: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
  usage: tokenUsageSchema.nullable().default(null),
  /** Why the fallback was used (LLM not configured, timed out, invalid output), when it was. */
  fallbackReason: z.string().nullable().default(null),
  createdAt: timestampSchema,
});
/** A stored root-cause analysis; see {@link rcaSchema}. */
export type Rca = z.infer<typeof rcaSchema>;
