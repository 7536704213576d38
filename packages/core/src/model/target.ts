import { z } from 'zod';
import { timestampSchema } from './common.js';

/** Authentication for a Prometheus server. Secrets here are never logged or returned by the API. */
export const targetAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
]);
/** Bearer or basic credentials of a target; see {@link targetAuthSchema}. */
export type TargetAuth = z.infer<typeof targetAuthSchema>;

/** An http(s) URL without credentials in it (credentials go in `auth`). */
export const httpUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL without user:password (use auth instead)' },
  );

/** A Prometheus server the monitor collects from. */
export const targetSchema = z.object({
  id: z.string(),
  /** Short unique name, used as the `target` of samples and anomalies. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'must contain only letters, digits, ".", "_" and "-"'),
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`. */
  url: httpUrlSchema,
  enabled: z.boolean().default(true),
  /** Series selectors to collect; empty means every series (`{__name__=~".+"}`). */
  selectors: z.array(z.string().min(1).max(1024)).max(100).default([]),
  auth: targetAuthSchema.nullable().default(null),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
/** A Prometheus server the monitor collects from; see {@link targetSchema}. */
export type Target = z.infer<typeof targetSchema>;

/** Returns the target with secrets replaced by a marker, for API responses and logs. */
export function redactTarget(
  target: Target,
): Omit<Target, 'auth'> & { auth: { type: string; configured: true } | null } {
  return { ...target, auth: target.auth ? { type: target.auth.type, configured: true } : null };
}
