/** Markdown rendering of NAB scores. */
import type { ProfileScore } from './scorer.js';

export interface DetectorScores {
  readonly name: string;
  readonly profiles: readonly ProfileScore[];
}

/** A markdown table: one row per detector, the three profile scores with detections and false positives. */
export function formatScoreTable(rows: readonly DetectorScores[], header = true): string {
  const lines: string[] = [];
  if (header) {
    lines.push(
      '| detector | standard | reward_low_FP | reward_low_FN | windows found (standard) | FP rows (standard) |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- |');
  }
  for (const row of rows) {
    const [standard, lowFp, lowFn] = row.profiles;
    const cell = (profile: ProfileScore | undefined) => (profile ? profile.score.toFixed(1) : '');
    lines.push(
      `| ${row.name} | ${cell(standard)} | ${cell(lowFp)} | ${cell(lowFn)} | ${
        standard ? `${standard.detectedWindows}/${standard.detectedWindows + standard.missedWindows}` : ''
      } | ${standard?.falsePositives ?? ''} |`,
    );
  }
  return lines.join('\n');
}
