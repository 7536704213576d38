import type { Labels } from '../model/common.js';
import { formatSeries } from '../model/sample.js';
import { stableHash } from '../util/id.js';

/**
 * The fingerprint of an anomaly: a stable hash of the detector, the target, the metric and the
 * labels sorted by name. The same problem on the same series always has the same fingerprint,
 * across ticks and restarts.
 *
 * @example
 * ```ts
 * anomalyFingerprint('threshold', 'prod', 'up', { job: 'node', instance: 'a:9100' }); // '3f0c…' (16 hex characters)
 * ```
 */
export function anomalyFingerprint(detector: string, target: string, metric: string, labels: Labels): string {
  return stableHash(detector, target, metric, formatSeries('', labels));
}
