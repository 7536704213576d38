import { describe, expect, it } from 'vitest';
import { currentValue, normalizeData, thresholdColor } from '../../ui/src/data.js';
import { formatLabels, formatValue, seriesName } from '../../ui/src/format.js';

describe('dashboard data', () => {
  it('reads the Ask pipeline result shape', () => {
    const data = normalizeData({
      resultType: 'vector',
      series: [
        {
          labels: { __name__: 'cpu_usage_percent', instance: 'server1' },
          value: 42.5,
          values: [
            [1_700_000_000_000, 40],
            [1_700_000_015_000, 42.5],
            ['bad', 1],
          ],
        },
        { labels: { instance: 'server2', bad: 3 }, value: null, values: [[1_700_000_000_000, 7]] },
        'not a series',
      ],
      truncated: true,
      warnings: ['only the first 500 series are shown', 3],
    });
    expect(data.series).toEqual([
      {
        labels: { __name__: 'cpu_usage_percent', instance: 'server1' },
        value: 42.5,
        values: [
          [1_700_000_000_000, 40],
          [1_700_000_015_000, 42.5],
        ],
      },
      { labels: { instance: 'server2' }, value: null, values: [[1_700_000_000_000, 7]] },
    ]);
    expect(data.truncated).toBe(true);
    expect(data.warnings).toEqual(['only the first 500 series are shown']);
    expect(currentValue(data.series[1]!)).toBe(7);
  });

  it("reads Prometheus's own vector, matrix, scalar and string results (seconds become ms)", () => {
    expect(
      normalizeData({
        resultType: 'vector',
        result: [{ metric: { job: 'a' }, value: [1_700_000_000, '1.5'] }],
      }).series,
    ).toEqual([{ labels: { job: 'a' }, value: 1.5, values: [] }]);
    expect(
      normalizeData({
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'a' },
            values: [
              [1_700_000_000, '1'],
              [1_700_000_015, 'NaN'],
              [1_700_000_030, '3'],
            ],
          },
        ],
      }).series,
    ).toEqual([
      {
        labels: { job: 'a' },
        value: 3,
        values: [
          [1_700_000_000_000, 1],
          [1_700_000_030_000, 3],
        ],
      },
    ]);
    expect(normalizeData({ resultType: 'scalar', result: [1_700_000_000, '2'] }).series[0]?.value).toBe(2);
    expect(normalizeData({ resultType: 'string', result: [1_700_000_000, 'hello'] }).text).toBe('hello');
  });

  it('treats anything else as no data instead of failing', () => {
    for (const input of [
      null,
      undefined,
      'text',
      42,
      [],
      { resultType: 'vector', result: 'x' },
      { series: 3 },
    ]) {
      expect(normalizeData(input).series).toEqual([]);
    }
  });

  it('picks the colour of the last threshold step a value reaches', () => {
    const steps = [
      { value: null, color: 'green' },
      { value: 80, color: 'orange' },
      { value: 90, color: 'red' },
    ];
    expect(thresholdColor(42, steps)).toBe('var(--ok)');
    expect(thresholdColor(80, steps)).toBe('var(--warn)');
    expect(thresholdColor(97, steps)).toBe('var(--bad)');
    expect(thresholdColor(null, steps)).toBe('var(--ok)');
  });
});

describe('dashboard formatting', () => {
  it('formats values with their unit', () => {
    expect(formatValue(42.456, '%')).toBe('42.46%');
    expect(formatValue(0.25, 'ratio')).toBe('25%');
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatValue(3 * 1024 ** 3, 'bytes/s')).toBe('3 GiB/s');
    expect(formatValue(0.35, 's')).toBe('350 ms');
    expect(formatValue(12.5, '/s')).toBe('12.5 /s');
    expect(formatValue(2_500_000)).toBe('2.5M');
    expect(formatValue(0.000123)).toBe('0.000123');
    expect(formatValue(null)).toBe('–');
    expect(formatValue(Number.NaN)).toBe('–');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+∞');
  });

  it('names series from the legend template, else from their labels', () => {
    const labels = { __name__: 'cpu_usage_percent', instance: 'server1', job: 'node' };
    expect(seriesName(labels, '{{instance}}', 'CPU')).toBe('server1');
    expect(seriesName(labels, '{{ instance }} ({{job}})', 'CPU')).toBe('server1 (node)');
    expect(seriesName(labels, '{{missing}}', 'CPU')).toBe(
      'cpu_usage_percent{instance="server1", job="node"}',
    );
    expect(seriesName({}, '', 'CPU')).toBe('CPU');
    expect(formatLabels({ b: '2', a: '1', __name__: 'x' })).toBe('{a="1", b="2"}');
  });
});
