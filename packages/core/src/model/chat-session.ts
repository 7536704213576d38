import { z } from 'zod';
import { timestampSchema, tokenUsageSchema } from './common.js';

/** One message of a chat session: who said it, what, and when. */
export const chatMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** PromQL the assistant answered with, when it did. */
  promql: z.string().nullable().default(null),
  usage: tokenUsageSchema.nullable().default(null),
  timestamp: timestampSchema,
});
/** One message of a chat session; see {@link chatMessageSchema}. */
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
/** An Ask conversation; see {@link chatSessionSchema}. */
export type ChatSession = z.infer<typeof chatSessionSchema>;
