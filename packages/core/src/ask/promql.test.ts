import { describe, expect, it } from 'vitest';
import { analyzePromql, formatDuration, parseDuration, quote, unquote, validatePromql } from './promql.js';
import { webShopCatalog } from './test-fixtures.js';

describe('analyzePromql', () => {
  it('lists selectors, matchers, grouping labels, functions and windows', () => {
    const analysis = analyzePromql(
      'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"/check.*", job!="x"}[10m])))',
    );
    expect(analysis.errors).toEqual([]);
    expect(analysis.metrics).toEqual(['http_request_duration_seconds_bucket']);
    expect(analysis.selectors[0]?.matchers).toEqual([
      { label: 'route', operator: '=~', value: '/check.*' },
      { label: 'job', operator: '!=', value: 'x' },
    ]);
    expect(analysis.selectors[0]?.rangeSeconds).toBe(600);
    expect(analysis.groupingLabels).toEqual(['le', 'route']);
    expect(analysis.functions).toEqual(['histogram_quantile', 'sum', 'rate']);
    expect(analysis.maxRangeSeconds).toBe(600);
    expect(analysis.rangeVectorResult).toBe(false);
  });

  it('reports every error node, also in the middle of the tree', () => {
    expect(analyzePromql('rate(http_requests_total[5m]').errors).not.toEqual([]);
    expect(analyzePromql('nosuchfunction(up)').errors).not.toEqual([]);
    expect(analyzePromql('sum(rate(up[5m])) by').errors).not.toEqual([]);
    expect(analyzePromql('up{job="a"').errors).not.toEqual([]);
    expect(analyzePromql('').errors).not.toEqual([]);
  });

  it('knows names given as __name__ matchers and quoted names', () => {
    expect(analyzePromql('{__name__="up", job="a"}').metrics).toEqual(['up']);
    expect(analyzePromql('{"my.metric"}').metrics).toEqual(['my.metric']);
    expect(analyzePromql('up[5m]').rangeVectorResult).toBe(true);
    expect(analyzePromql('max_over_time(up[1h:1m])').maxRangeSeconds).toBe(3600);
  });
});

describe('validatePromql', () => {
  const snapshot = webShopCatalog();
  const messages = (expr: string) => validatePromql(expr, snapshot).issues.map((issue) => issue.message);

  it('accepts grounded queries', () => {
    expect(messages('sum by (route) (rate(http_requests_total{code=~"5.."}[5m]))')).toEqual([]);
    expect(
      messages('histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
    ).toEqual([]);
    expect(messages('db_query_duration_seconds{quantile="0.99"}')).toEqual([]);
    expect(messages('up == 0')).toEqual([]);
  });

  it('rejects unknown metrics and labels, naming them', () => {
    expect(messages('rate(http_request_total[5m])')).toEqual(['unknown metric http_request_total']);
    expect(messages('http_requests_total{status="500"}')[0]).toMatch(/has no label status \(it has: .*code/);
    expect(messages('sum by (region) (up)')[0]).toMatch(/no metric in the query has a label region/);
    expect(messages('http_requests_total_bucket{le="1"}')).toEqual([
      'unknown metric http_requests_total_bucket',
    ]);
    expect(messages('http_request_duration_seconds_sum{le="1"}')[0]).toMatch(/has no label le/);
  });

  it('rejects syntax errors, range vectors and expensive queries', () => {
    expect(validatePromql('rate(up[5m]', snapshot).issues[0]?.code).toBe('syntax');
    expect(validatePromql('up[5m]', snapshot).issues[0]?.code).toBe('range_vector');
    expect(messages('{__name__=~".+"}')[0]).toMatch(/names no metric/);
    expect(messages('rate(http_requests_total[30d])')[0]).toMatch(/longer than the allowed 7d/);
    expect(validatePromql('x'.repeat(5000), snapshot).ok).toBe(false);
  });
});

describe('PromQL strings and durations', () => {
  it('quotes label values as data and reads them back', () => {
    const nasty = 'a"b\\c\nd';
    expect(quote(nasty)).toBe('"a\\"b\\\\c\\nd"');
    expect(unquote(quote(nasty))).toBe(nasty);
    expect(analyzePromql(`up{job=${quote(nasty)}}`).selectors[0]?.matchers[0]?.value).toBe(nasty);
  });

  it('parses and formats durations', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('5x')).toBeNull();
    expect(formatDuration(300)).toBe('5m');
    expect(formatDuration(86400)).toBe('1d');
    expect(formatDuration(90)).toBe('90s');
  });
});
