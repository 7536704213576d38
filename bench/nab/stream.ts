/**
 * Streams NAB files through detectors, one sample per `observe` call, and renders result files.
 */
import type { Detector } from '../../packages/core/src/contracts/detector.js';
import type { Sample } from '../../packages/core/src/model/sample.js';
import type { NabFile } from './corpus.js';

/** Problems found while streaming (invalid scores a detector produced, clamped to [0, 1]). */
export interface StreamReport {
  invalidScores: number;
}

/**
 * Feeds every row of `file` to `detector` as its own batch of one sample (series id = the file
 * key) and returns one score per row. Rows with an unparseable timestamp reuse the previous one.
 * The detector forgets the series afterwards.
 */
export function streamFile(detector: Detector, file: NabFile, report?: StreamReport): Float64Array {
  const rows = file.values.length;
  const scores = new Float64Array(rows);
  const buffer = new Float64Array(1);
  const batch: Sample[] = [];
  let lastTimestamp = 0;
  for (let row = 0; row < rows; row++) {
    const timestamp = file.timestamps[row]!;
    if (!Number.isNaN(timestamp)) lastTimestamp = timestamp;
    buffer[0] = 0;
    batch[0] = {
      seriesId: file.key,
      metric: 'value',
      labels: {},
      value: file.values[row]!,
      timestamp: lastTimestamp,
      target: 'nab',
    };
    detector.observe(batch, { scores: buffer });
    let score = buffer[0]!;
    if (!(score >= 0 && score <= 1)) {
      if (report) report.invalidScores++;
      score = score > 1 ? 1 : 0;
    }
    scores[row] = score;
  }
  detector.forget?.([file.key]);
  return scores;
}

/** Renders a result file: `timestamp,value,anomaly_score`, timestamp and value copied verbatim. */
export function renderResultCsv(file: NabFile, scores: Float64Array): string {
  const lines: string[] = ['timestamp,value,anomaly_score'];
  for (let row = 0; row < scores.length; row++) {
    lines.push(`${file.rawTimestamps[row]},${file.rawValues[row]},${scores[row]}`);
  }
  return `${lines.join('\n')}\n`;
}
