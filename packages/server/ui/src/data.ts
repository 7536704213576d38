import type { ChartData, ChartSeries, ChartThreshold } from './types.js';

type Labels = Readonly<Record<string, string>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function toLabels(value: unknown): Labels {
  if (!isRecord(value)) return {};
  const labels: Record<string, string> = {};
  for (const [name, labelValue] of Object.entries(value)) {
    if (typeof labelValue === 'string') labels[name] = labelValue;
  }
  return labels;
}

/** `[ms, value]` from a point as `[seconds, "1.5"]` (Prometheus) or `[ms, 1.5]` (Promptheus). */
function toPoint(point: unknown, inSeconds: boolean): readonly [number, number] | null {
  if (!Array.isArray(point) || point.length < 2) return null;
  const time = toNumber(point[0]);
  const value = toNumber(point[1]);
  if (time === null || value === null) return null;
  return [inSeconds ? time * 1000 : time, value];
}

/**
 * Reads a query result in the shape `POST /api/chat` returns (`{ series: [{ labels, value,
 * values }] }`) or in Prometheus's own (`{ resultType, result }`), so the page draws either.
 */
export function normalizeData(data: unknown): ChartData {
  const empty: ChartData = { series: [], warnings: [], truncated: false, text: null };
  if (!isRecord(data)) return empty;
  const warnings = Array.isArray(data['warnings'])
    ? data['warnings'].filter((warning): warning is string => typeof warning === 'string')
    : [];
  const truncated = data['truncated'] === true;
  if (Array.isArray(data['series'])) {
    const series: ChartSeries[] = [];
    for (const entry of data['series']) {
      if (!isRecord(entry)) continue;
      const values = Array.isArray(entry['values'])
        ? entry['values'].map((point) => toPoint(point, false)).filter((point) => point !== null)
        : [];
      series.push({ labels: toLabels(entry['labels']), value: toNumber(entry['value']), values });
    }
    return { series, warnings, truncated, text: null };
  }
  const result = data['result'];
  switch (data['resultType']) {
    case 'scalar': {
      const point = toPoint(result, true);
      return { ...empty, warnings, series: [{ labels: {}, value: point?.[1] ?? null, values: [] }] };
    }
    case 'string':
      return { ...empty, warnings, text: Array.isArray(result) ? String(result[1] ?? '') : null };
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(result)) return { ...empty, warnings };
      const series = result.filter(isRecord).map((entry): ChartSeries => {
        const values = Array.isArray(entry['values'])
          ? entry['values'].map((point) => toPoint(point, true)).filter((point) => point !== null)
          : [];
        const instant = toPoint(entry['value'], true);
        return {
          labels: toLabels(entry['metric']),
          value: instant?.[1] ?? values.at(-1)?.[1] ?? null,
          values,
        };
      });
      return { series, warnings, truncated, text: null };
    }
    default:
      return { ...empty, warnings };
  }
}

/** Colours of the threshold steps, as CSS variables of the page. */
const thresholdColors: Readonly<Record<string, string>> = {
  green: 'var(--ok)',
  orange: 'var(--warn)',
  yellow: 'var(--warn)',
  red: 'var(--bad)',
  blue: 'var(--info)',
};

/** The threshold colour for a value (the last step whose bound it reaches). */
export function thresholdColor(value: number | null, thresholds: readonly ChartThreshold[]): string {
  let color = 'green';
  if (value !== null) {
    for (const step of thresholds) {
      if (step.value === null || value >= step.value) color = step.color;
    }
  }
  return thresholdColors[color] ?? color;
}

/** The series' current value: the instant value, else the last point. */
export function currentValue(series: ChartSeries): number | null {
  return series.value ?? series.values.at(-1)?.[1] ?? null;
}
