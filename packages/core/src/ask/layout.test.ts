import { describe, expect, it } from 'vitest';
import { formatValue, summarizeData, trendOf } from './answer.js';
import type { AskData } from './execute.js';
import { suggestFollowups } from './followups.js';
import { detectIntent } from './intent.js';
import { chooseLayout, grafanaUnit, toGrafanaDashboard, toGrafanaPanel } from './layout.js';
import { webShopCatalog } from './test-fixtures.js';
import { translateOffline } from './translate-offline.js';

const snapshot = webShopCatalog();
/** Grafana's reference to the dashboard variable, spelled as Grafana spells it. */
const datasourceVariable = '$' + '{datasource}';
const data = (series: AskData['series'], range = true): AskData => ({
  resultType: 'vector',
  series,
  time: 3_600_000,
  range: range ? { start: 0, end: 3_600_000, stepSeconds: 15 } : null,
  truncated: false,
  warnings: [],
});
const layoutFor = (question: string, result: AskData) => {
  const translation = translateOffline(question, snapshot);
  return chooseLayout(translation.promql!, translation.shape, result, { question });
};

describe('chooseLayout', () => {
  it('picks the chart from the query shape and metric type', () => {
    const one = data([{ labels: {}, value: 0.2, values: [] }]);
    const perRoute = data([
      { labels: { route: '/cart' }, value: 1, values: [] },
      { labels: { route: '/checkout' }, value: 2, values: [] },
    ]);
    expect(layoutFor('request rate per route', perRoute)).toMatchObject({
      type: 'timeseries',
      legend: '{{route}}',
      unit: '/s',
      grafanaUnit: 'ops',
    });
    expect(layoutFor('p95 latency of /checkout in ms', one)).toMatchObject({
      type: 'stat',
      unit: 'ms',
      grafanaUnit: 'ms',
    });
    expect(layoutFor('error rate of the checkout route in %', one)).toMatchObject({
      type: 'gauge',
      unit: '%',
      min: 0,
      max: 100,
      thresholds: [
        { value: null, color: 'green' },
        { value: 80, color: 'orange' },
        { value: 90, color: 'red' },
      ],
    });
    expect(layoutFor('top 3 routes by request rate', perRoute).type).toBe('bar');
    expect(layoutFor('which version of checkout-api is running', one).type).toBe('table');
    expect(layoutFor('hosts with cpu usage above 80%', perRoute)).toMatchObject({
      type: 'table',
      thresholds: [
        { value: null, color: 'green' },
        { value: 80, color: 'red' },
      ],
    });
    expect(layoutFor('Show the error rate of the checkout route in %', one).type).toBe('timeseries');
  });

  it('maps units to Grafana unit ids', () => {
    expect(
      ['%', 'ratio', 'ms', 'GB', 'GiB', 'bytes/s', 'Gbps', '°C', '/min', 'whatever'].map(grafanaUnit),
    ).toEqual([
      'percent',
      'percentunit',
      'ms',
      'decgbytes',
      'gbytes',
      'Bps',
      'Gbits',
      'celsius',
      'opm',
      'short',
    ]);
  });
});

describe('Grafana export', () => {
  const layout = layoutFor(
    'request rate per route',
    data([
      { labels: { route: '/cart' }, value: 1, values: [] },
      { labels: { route: '/checkout' }, value: 2, values: [] },
    ]),
  );

  it('writes a panel Grafana imports: datasource by uid variable, target, field config', () => {
    const panel = toGrafanaPanel(layout, { id: 7 });
    expect(panel).toMatchObject({
      id: 7,
      type: 'timeseries',
      title: 'Request rate per route',
      datasource: { type: 'prometheus', uid: datasourceVariable },
      gridPos: { h: 8, w: 12, x: 0, y: 0 },
      targets: [
        {
          refId: 'A',
          datasource: { type: 'prometheus', uid: datasourceVariable },
          expr: 'sum by (route) (rate(http_requests_total[5m]))',
          legendFormat: '{{route}}',
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: { unit: 'ops', thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] } },
        overrides: [],
      },
    });
    expect(JSON.parse(JSON.stringify(panel))).toEqual(panel);
  });

  it('writes a dashboard with a Prometheus datasource variable and panels on a grid', () => {
    const stat = layoutFor('p95 latency of /checkout in ms', data([{ labels: {}, value: 0.2, values: [] }]));
    const dashboard = toGrafanaDashboard([layout, stat, layout], { title: 'Shop / Checkout' });
    expect(dashboard).toMatchObject({
      uid: 'shop-checkout',
      title: 'Shop / Checkout',
      schemaVersion: 39,
      time: { from: 'now-1h', to: 'now' },
      __inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    });
    const panels = dashboard['panels'] as Array<Record<string, unknown>>;
    expect(panels.map((panel) => [panel['id'], panel['type'], panel['gridPos']])).toEqual([
      [1, 'timeseries', { h: 8, w: 12, x: 0, y: 0 }],
      [2, 'stat', { h: 8, w: 12, x: 12, y: 0 }],
      [3, 'timeseries', { h: 8, w: 12, x: 0, y: 8 }],
    ]);
    expect(panels[1]?.['options']).toMatchObject({ reduceOptions: { calcs: ['lastNotNull'] } });
  });
});

describe('answers', () => {
  it('formats values with units', () => {
    expect(formatValue(42.4567, '%')).toBe('42.5%');
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatValue(1234.5, '/s')).toBe('1,235/s');
    expect(formatValue(0.25, 'ratio')).toBe('0.25 (25%)');
    expect(formatValue(Number.NaN, 's')).toBe('NaN');
  });

  it('summarises one series with its trend, several with the spread, and filters with what matched', () => {
    const rising = {
      labels: {},
      value: 60,
      values: [
        [0, 40],
        [3_600_000, 60],
      ] as Array<[number, number]>,
    };
    expect(trendOf(rising)).toBe('up 50%');
    expect(summarizeData(data([rising]), null, { subject: 'CPU usage', labels: [] })).toBe(
      'CPU usage is 60 now, up 50% over the last hour.',
    );
    const routes = data([
      { labels: { route: '/cart' }, value: 1, values: [] },
      { labels: { route: '/checkout' }, value: 3, values: [] },
    ]);
    const shape = translateOffline('request rate per route', snapshot).shape;
    expect(summarizeData(routes, shape, { subject: 'Requests', labels: ['route'] })).toBe(
      'Requests: 2 series; the highest is route="/checkout" at 3/s, the lowest route="/cart" at 1/s. Together 4/s.',
    );
    const down = translateOffline('which targets are down', snapshot).shape;
    expect(summarizeData(data([]), down, { subject: 'Down', labels: [] })).toMatch(/every series is up/);
    expect(
      summarizeData(data([{ labels: { job: 'billing' }, value: 0, values: [] }]), down, {
        subject: 'Down',
        labels: ['job'],
      }),
    ).toBe('1 series matches (== 0): job="billing".');
  });
});

describe('follow-ups and intents', () => {
  it('suggests three grounded follow-ups that the offline translator can answer', () => {
    const question = 'request rate per route';
    const translation = translateOffline(question, snapshot);
    const followups = suggestFollowups({
      question,
      promql: translation.promql,
      shape: translation.shape,
      snapshot,
    });
    expect(followups).toHaveLength(3);
    for (const followup of followups)
      expect(translateOffline(followup, snapshot).promql, followup).not.toBeNull();
    expect(followups.some((followup) => /compared with an hour ago/.test(followup))).toBe(true);
    expect(
      suggestFollowups({
        question,
        promql: translation.promql,
        shape: translation.shape,
        snapshot,
        history: followups,
      }),
    ).not.toContain(followups[0]);
  });

  it('classifies messages', () => {
    expect(detectIntent('hello!').intent).toBe('smalltalk');
    expect(detectIntent('why is checkout slow?').intent).toBe('troubleshoot');
    expect(detectIntent('explain rate(http_requests_total[5m])', snapshot)).toMatchObject({
      intent: 'explain',
      promql: 'rate(http_requests_total[5m])',
    });
    expect(detectIntent('sum(up)', snapshot)).toMatchObject({ intent: 'query', promql: 'sum(up)' });
    expect(detectIntent('cpu usage', snapshot)).toMatchObject({ intent: 'query', promql: null });
  });
});
