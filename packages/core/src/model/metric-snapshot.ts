import { z } from 'zod';
import { labelsSchema, timestampSchema } from './common.js';

/** One series value kept in a snapshot. `value` is null for NaN/±Inf, which JSON cannot carry. */
export const snapshotMetricSchema = z.object({
  metric: z.string(),
  labels: labelsSchema,
  value: z.number().nullable(),
});
/** One series in a snapshot; see {@link snapshotMetricSchema}. */
export type SnapshotMetric = z.infer<typeof snapshotMetricSchema>;

/**
 * What one monitor tick saw: how many series were collected and a bounded sample of them
 * (the stores keep snapshots small; the full data stays in Prometheus).
 */
export const metricSnapshotSchema = z.object({
  id: z.string(),
  timestamp: timestampSchema,
  /** Total number of series collected in the tick. */
  count: z.number().int().nonnegative(),
  /** A bounded sample of the collected series. */
  metrics: z.array(snapshotMetricSchema),
  /** Targets that were collected. */
  targets: z.array(z.string()),
  /** Collection errors, one line per failing target. */
  errors: z.array(z.string()),
});
/** What one monitor tick collected, sampled; see {@link metricSnapshotSchema}. */
export type MetricSnapshot = z.infer<typeof metricSnapshotSchema>;
