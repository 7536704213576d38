import { z } from 'zod';
import { timestampSchema, tokenUsageSchema } from './common.js';

export const chatMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** PromQL the assistant answered with, when it did. */
  promql: z.string().nullable().default(null),
  usage: tokenUsageSchema.nullable().default(null),
  timestamp: timestampSchema,
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A conversation with the Ask pipeline. */
export const chatSessionSchema = z.object({
  id: z.string(),
  title: z.string(),
  messages: z.array(chatMessageSchema),
  usage: tokenUsageSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type ChatSession = z.infer<typeof chatSessionSchema>;
