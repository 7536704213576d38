import { z } from 'zod';
import { timestampSchema, tokenUsageSchema } from './common.js';

/** One question asked of the Ask pipeline and what came of it. */
export const promptHistoryEntrySchema = z.object({
  id: z.string(),
  prompt: z.string(),
  /** The PromQL that was executed; null when the question could not be answered. */
  promql: z.string().nullable(),
  intent: z.string(),
  success: z.boolean(),
  /** Why it failed or was not answered. */
  error: z.string().nullable().default(null),
  /** Which translator produced the query: `offline`, or the LLM provider name. */
  translator: z.string().nullable().default(null),
  latencyMs: z.number().nonnegative(),
  usage: tokenUsageSchema.nullable().default(null),
  sessionId: z.string().nullable().default(null),
  createdAt: timestampSchema,
});
/** One question asked; see {@link promptHistoryEntrySchema}. */
export type PromptHistoryEntry = z.infer<typeof promptHistoryEntrySchema>;
