import { z } from 'zod';
import { labelsSchema, severitySchema, timestampSchema } from './common.js';

/** Whether an anomaly is still happening (`firing`) or over (`resolved`). */
export const anomalyStatusSchema = z.enum(['firing', 'resolved']);
/** `firing` or `resolved`. */
export type AnomalyStatus = z.infer<typeof anomalyStatusSchema>;

/** Numbers and short strings a detector reports as the evidence for a finding. */
export const evidenceSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
/** Numbers and short strings behind a detector's verdict (threshold, mean, z, ...). */
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * An anomaly: one detector flagging one series. While the same anomaly keeps firing it is one
 * record (same `fingerprint`), updated in place; it becomes `resolved` when the series is normal again.
 */
export const anomalySchema = z.object({
  id: z.string(),
  /** Stable hash of detector + target + metric + labels: the same problem always has the same fingerprint. */
  fingerprint: z.string(),
  metric: z.string(),
  labels: labelsSchema,
  /** Latest observed value (null when the value is NaN or infinite). */
  value: z.number().nullable(),
  /** Anomaly score in [0, 1]. */
  score: z.number().min(0).max(1),
  severity: severitySchema,
  /** Human-readable reason given by the detector. */
  reason: z.string(),
  /** Name of the detector that raised it. */
  detector: z.string(),
  /** Name of the target (Prometheus server) the series came from. */
  target: z.string(),
  status: anomalyStatusSchema,
  evidence: evidenceSchema.default({}),
  startsAt: timestampSchema,
  /** When it resolved; null while firing. */
  endsAt: timestampSchema.nullable(),
  updatedAt: timestampSchema,
  /** When a person acknowledged it (notifications are muted until it resolves); null otherwise. */
  acknowledgedAt: timestampSchema.nullable().default(null),
});
/** One detector flagging one series; see {@link anomalySchema}. */
export type Anomaly = z.infer<typeof anomalySchema>;
