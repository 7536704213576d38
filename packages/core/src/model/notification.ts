import { z } from 'zod';
import { anomalySchema } from './anomaly.js';
import { severitySchema, timestampSchema } from './common.js';
import { rcaSchema } from './rca.js';

/** What a notification is about: an anomaly that fired, one that resolved, or a test message. */
export const notificationKindSchema = z.enum(['firing', 'resolved', 'test']);
/** `firing`, `resolved` or `test`. */
export type NotificationKind = z.infer<typeof notificationKindSchema>;

/** What a notifier renders: one message about one or more anomalies of the same group. */
export const notificationPayloadSchema = z.object({
  kind: notificationKindSchema,
  /** Short title, e.g. `[critical] up < 1 on prod`. */
  title: z.string(),
  /** Highest severity among the alerts. */
  severity: severitySchema,
  alerts: z.array(z.object({ anomaly: anomalySchema, rca: rcaSchema.nullable() })),
  /** Link back to the server (UI or API) where the anomaly can be seen; null when no public URL is configured. */
  url: z.string().nullable().default(null),
  createdAt: timestampSchema,
});
/** What a notifier renders; see {@link notificationPayloadSchema}. */
export type NotificationPayload = z.infer<typeof notificationPayloadSchema>;

/** Delivery state of an outbox notification: `pending` → `in_flight` → `delivered` or `failed`. */
export const notificationStatusSchema = z.enum(['pending', 'in_flight', 'delivered', 'failed']);
/** `pending`, `in_flight`, `delivered` or `failed`. */
export type NotificationStatus = z.infer<typeof notificationStatusSchema>;

/** A notification in the durable outbox: one payload for one channel (notifier), with its delivery state. */
export const notificationSchema = z.object({
  id: z.string(),
  /** Name of the notifier that delivers it. */
  channel: z.string(),
  /** At-least-once delivery is deduplicated by this key (e.g. channel + group + fingerprints + kind). */
  dedupeKey: z.string(),
  /** Anomalies with the same group key are sent together. */
  groupKey: z.string(),
  payload: notificationPayloadSchema,
  status: notificationStatusSchema,
  attempts: z.number().int().nonnegative(),
  /** Earliest time of the next delivery attempt. */
  nextAttemptAt: timestampSchema,
  /** While `in_flight`: the claim expires at this time and another worker may take it over. */
  leaseUntil: timestampSchema.nullable(),
  lastError: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  deliveredAt: timestampSchema.nullable(),
});
/** A notification in the durable outbox; see {@link notificationSchema}. */
export type Notification = z.infer<typeof notificationSchema>;
