import { z } from 'zod';
import { timestampSchema } from './common.js';

/**
 * Matches one attribute of an anomaly. `name` is a label name, or one of the anomaly fields
 * `__name__` (metric), `target`, `severity`, `detector`.
 */
export const matcherSchema = z.object({
  name: z.string().min(1).max(128),
  value: z.string().max(1024),
  /** Treat `value` as a regular expression (anchored, as in Prometheus). @default false */
  isRegex: z.boolean().default(false),
  /** `false` negates the matcher (`!=`, `!~`). @default true */
  isEqual: z.boolean().default(true),
});
/** One condition of a silence; see {@link matcherSchema}. */
export type Matcher = z.infer<typeof matcherSchema>;

/** Mutes notifications of anomalies that match every matcher, until `endsAt`. */
export const silenceSchema = z.object({
  id: z.string(),
  matchers: z.array(matcherSchema).min(1).max(32),
  startsAt: timestampSchema,
  endsAt: timestampSchema,
  createdBy: z.string().max(128).default(''),
  comment: z.string().max(1024).default(''),
  createdAt: timestampSchema,
});
/** Mutes notifications of matching anomalies; see {@link silenceSchema}. */
export type Silence = z.infer<typeof silenceSchema>;
