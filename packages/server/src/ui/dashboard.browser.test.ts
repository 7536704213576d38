import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createAnalyst,
  createAsk,
  createEmitter,
  createMemoryStore,
  createMonitor,
  createPrometheusClient,
  createPrometheusSource,
  type Monitor,
  type PromptheusEvents,
  type Store,
  thresholdDetector,
} from '@promptheus/core';
import {
  createMockLlmProvider,
  type Exporter,
  findFreePort,
  type RunningPrometheus,
  startExporter,
  startPrometheus,
} from '@promptheus/core/testing';
import { Hono } from 'hono';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiBuildOptions } from '../../ui/build.js';
import { createApp } from '../app.js';
import { createAskService } from '../ask-service.js';
import { createLiveHub, type LiveHub } from '../live.js';
import { type RunningServer, serve } from '../serve.js';
import type { AskResponse, AskService } from '../types.js';
import { createUiRoutes } from './routes.js';

const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = !existsSync(CHROMIUM);
const screenshots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results', 'ui');
const API_TOKEN = 'dashboard-test-token';

/**
 * Gives Prometheus the last hour of `cpu_usage_percent` for both hosts (one sample every 15 s,
 * written as TSDB blocks with promtool while it is stopped), so charts have history to draw.
 */
async function backfillLastHour(prometheus: RunningPrometheus): Promise<void> {
  const now = Date.now();
  let text =
    '# HELP cpu_usage_percent CPU busy time of the host in percent.\n# TYPE cpu_usage_percent gauge\n';
  for (const [instance, level] of [
    ['server1', 42],
    ['server2', 35],
  ] as const) {
    for (let time = now - 3_600_000; time <= now - 30_000; time += 15_000) {
      const value =
        level + 6 * Math.sin(time / 300_000) + (instance === 'server1' ? 2 : -2) * Math.cos(time / 90_000);
      text += `cpu_usage_percent{instance="${instance}",job="test"} ${value.toFixed(2)} ${(time / 1000).toFixed(3)}\n`;
    }
  }
  text += '# EOF\n';
  const file = join(prometheus.directory, 'history.om');
  writeFileSync(file, text);
  await prometheus.kill('SIGTERM');
  await promisify(execFile)('promtool', [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    file,
    join(prometheus.directory, 'data'),
  ]);
  await prometheus.restart();
}

const percent = { unit: '%', grafanaUnit: 'percent', min: 0, max: 100, instant: true };
const thresholdSteps = [
  { value: null, color: 'green' },
  { value: 80, color: 'orange' },
  { value: 90, color: 'red' },
];

/** Answers with one fixed layout per question, to check how the page draws each kind. */
function fixedLayouts(): AskService {
  const answer = (
    promql: string | null,
    layout: object | null,
    series: object[],
    text: string,
  ): AskResponse => ({
    promql,
    data: promql
      ? { resultType: 'vector', series, time: Date.now(), range: null, truncated: false, warnings: [] }
      : null,
    layout:
      layout && promql ? { promql, legend: '{{instance}}', thresholds: thresholdSteps, ...layout } : null,
    answer: text,
    followups: promql ? ['Which instance has the highest CPU usage?'] : ['Show CPU usage by instance'],
    intent: 'query',
    sessionId: null,
    usage: null,
    translator: 'offline',
    explanation: promql ? `the current value of ${promql}` : '',
    closest: promql ? [] : ['cpu_usage_percent', 'up'],
    warnings: [],
  });
  const host = (instance: string, value: number) => ({
    labels: { instance, job: 'node' },
    value,
    values: [],
  });
  const answers: Record<string, AskResponse> = {
    gauge: answer(
      'cpu_usage_percent{instance="server1"}',
      { type: 'gauge', title: 'CPU of server1', ...percent },
      [host('server1', 93.5)],
      'CPU of server1 is 93.5%.',
    ),
    bars: answer(
      'topk(3, cpu_usage_percent)',
      { type: 'bar', title: 'Busiest hosts', ...percent },
      [host('server1', 10), host('server2', 70), host('server3', 40)],
      'server2 is the busiest.',
    ),
    table: answer(
      'cpu_usage_percent',
      { type: 'table', title: 'CPU by host', ...percent },
      [host('server1', 12), host('server2', 34)],
      'Two hosts.',
    ),
    stat: answer(
      'sum(http_requests_total)',
      {
        type: 'stat',
        title: 'Requests',
        unit: '',
        grafanaUnit: 'short',
        min: null,
        max: null,
        instant: true,
      },
      [{ labels: {}, value: 2_500_000, values: [] }],
      '2.5M requests.',
    ),
    unknown: answer(
      null,
      null,
      [],
      'No metric matches "flux capacitor"; the closest are cpu_usage_percent and up.',
    ),
  };
  return {
    async ask(request) {
      const fixed = answers[request.prompt];
      if (!fixed) throw new Error(`no fixed answer for ${request.prompt}`);
      return fixed;
    },
  };
}

describe.skipIf(chromiumMissing)(
  chromiumMissing
    ? `dashboard in a real browser — SKIPPED: ${CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium)`
    : 'dashboard in a real browser (Chromium, real Prometheus, live WebSocket)',
  () => {
    let assetsDir: string;
    let exporter: Exporter;
    let prometheus: RunningPrometheus;
    let store: Store;
    let monitor: Monitor;
    let hub: LiveHub;
    let server: RunningServer;
    let guarded: RunningServer;
    let offline: RunningServer;
    let closedPort: number;
    let browser: Browser;
    const problems: string[] = [];
    const foreignRequests: string[] = [];

    beforeAll(async () => {
      assetsDir = mkdtempSync(join(tmpdir(), 'promptheus-ui-build-'));
      mkdirSync(screenshots, { recursive: true });
      const [, startedExporter] = await Promise.all([
        build({ ...uiBuildOptions(assetsDir), config: false, silent: true }),
        startExporter(),
      ]);
      exporter = startedExporter;
      const help = { help: 'CPU busy time of the host in percent.' };
      exporter.set('cpu_usage_percent', { instance: 'server1' }, 42.5, help);
      exporter.set('cpu_usage_percent', { instance: 'server2' }, 37, help);
      [prometheus, browser] = await Promise.all([
        startPrometheus({ scrapeTargets: [exporter.host] }),
        chromium.launch({
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        }),
      ]);
      await backfillLastHour(prometheus);
      await prometheus.waitFor('count_over_time(cpu_usage_percent[50m]) > 100');

      store = createMemoryStore();
      const events = createEmitter<PromptheusEvents>();
      // The model answers slowly, so the page shows the anomaly first and its analysis after.
      const llm = createMockLlmProvider({
        responses: () => ({
          object: {
            summary: 'CPU usage on server1 jumped to 97%.',
            simplified: 'server1 is working much harder than usual.',
            cause: 'A process on server1 is using most of the CPU.',
            fix: 'Find the busiest process with top on server1 and restart or scale it.',
          },
          delayMs: 1500,
        }),
      });
      monitor = createMonitor({
        source: createPrometheusSource({ targets: [{ name: 'local', url: prometheus.url }] }),
        detectors: [
          thresholdDetector({
            rules: [
              { metric: 'cpu_usage_percent', op: '>', value: 90, severity: 'high', description: 'CPU usage' },
            ],
          }),
        ],
        store,
        analyst: createAnalyst({ llm, store, events }),
        events,
        interval: 1,
      });
      hub = createLiveHub({ events, maxHoldMs: 300 });
      const dependencies = {
        store,
        prometheus: prometheus.client,
        ask: createAskService(createAsk({ prometheus: prometheus.client, store, events })),
        monitor,
        events,
        llm: { name: llm.name, model: llm.model },
      };
      const mount = (config: Parameters<typeof createApp>[0]['config']) => {
        const app = new Hono();
        app.route('/ui', createUiRoutes({ assetsDir }));
        app.route(
          '/',
          createApp({
            ...dependencies,
            config: { prometheusUrl: prometheus.url, monitorIntervalSeconds: 1, ...config },
          }),
        );
        return app;
      };
      server = await serve({ app: mount({}), port: 0, websocket: { hub } });
      guarded = await serve({
        app: mount({ apiToken: API_TOKEN }),
        port: 0,
        websocket: { hub, apiToken: API_TOKEN },
      });
      // A server whose Prometheus is down, answering with fixed layouts.
      closedPort = await findFreePort();
      const downApp = new Hono();
      downApp.route('/ui', createUiRoutes({ assetsDir }));
      downApp.route(
        '/',
        createApp({
          store: createMemoryStore(),
          prometheus: createPrometheusClient({ url: `http://127.0.0.1:${closedPort}` }),
          ask: fixedLayouts(),
          config: { prometheusUrl: `http://127.0.0.1:${closedPort}` },
        }),
      );
      offline = await serve({ app: downApp, port: 0, websocket: { hub } });
      monitor.start();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await monitor?.stop();
      await server?.close();
      await guarded?.close();
      await offline?.close();
      hub?.close();
      await prometheus?.stop();
      await exporter?.close();
      if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
    });

    /** Opens the dashboard, recording console errors (except `expected` ones) and requests elsewhere. */
    async function open(context: BrowserContext, base: string, expected?: RegExp): Promise<Page> {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() !== 'error' || expected?.test(message.text())) return;
        problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.origin !== new URL(base).origin && url.protocol !== 'data:')
          foreignRequests.push(request.url());
      });
      // Browser code is passed as text: this file is type-checked without the DOM library.
      await page.addInitScript(
        "document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));",
      );
      await page.goto(`${base}/ui`);
      return page;
    }

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: join(screenshots, name), fullPage: true });

    /** Runs the steps; on failure saves a screenshot and the page's text next to the others. */
    async function steps(page: Page, name: string, run: () => Promise<void>): Promise<void> {
      try {
        await run();
      } catch (error) {
        await shot(page, `failed-${name}.png`).catch(() => {});
        const text = (
          (await page
            .locator('body')
            .textContent()
            .catch(() => '')) ?? ''
        ).replace(/\s+/g, ' ');
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\n--- page text ---\n${text}`,
          {
            cause: error,
          },
        );
      }
    }

    it('answers a question with a chart, reruns edited PromQL, and shows anomalies and their RCA live', async () => {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 1000 },
        colorScheme: 'light',
      });
      const page = await open(context, server.url);
      await steps(page, 'ask-and-watch', async () => {
        expect(new URL(page.url()).pathname).toBe('/ui/');

        // Status, live connection and empty states.
        await page.locator('#status .pill', { hasText: 'Prometheus: up' }).waitFor();
        await page.locator('#status .pill', { hasText: 'mock · mock-model' }).waitFor();
        await page.locator('#live-state[data-state="ok"]').waitFor();
        await page.locator('#feed-empty', { hasText: 'No anomalies in the last 24 h' }).waitFor();
        await page.locator('#history-empty', { hasText: 'No questions asked yet' }).waitFor();
        await page.evaluate('window.notReloaded = true');
        await shot(page, '01-empty.png');

        // Ask with the keyboard: "/" focuses the box, Enter asks.
        await page.locator('body').press('/');
        expect(await page.evaluate('document.activeElement?.id')).toBe('question');
        await page.keyboard.type('show CPU usage for server1');
        await page.keyboard.press('Enter');
        await page.locator('#chart[data-chart="timeseries"] canvas').waitFor();
        expect(await page.locator('#promql').inputValue()).toBe('cpu_usage_percent{instance="server1"}');
        expect((await page.locator('#promql-explanation').textContent())?.trim()).not.toBe('');
        const legend = page.locator('#chart .u-legend .u-series:not(:first-child) .u-label');
        expect(await legend.allTextContents()).toEqual([expect.stringContaining('instance="server1"')]);
        expect((await page.locator('#answer').textContent())?.trim()).not.toBe('');
        expect(await page.locator('#followups .chip').count()).toBeGreaterThan(0);
        await page.locator('#history li', { hasText: 'show CPU usage for server1' }).waitFor();
        await shot(page, '02-chart.png');

        // Copy as Grafana panel JSON: the panel queries what the chart shows.
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
        await page.locator('#grafana-button').click();
        await page.locator('#grafana-state', { hasText: /Copied|clipboard/ }).waitFor();
        const panel = JSON.parse(await page.locator('#grafana-json').inputValue()) as {
          type: string;
          targets: Array<{ expr: string }>;
        };
        expect(panel.type).toBe('timeseries');
        expect(panel.targets[0]?.expr).toBe('cpu_usage_percent{instance="server1"}');

        // Edit the PromQL and run it again: both hosts are drawn.
        await page.locator('#promql').fill('cpu_usage_percent');
        await page.locator('#promql').press('Control+Enter');
        await legend.nth(1).waitFor();
        const labels = await legend.allTextContents();
        expect(labels.some((label) => label.includes('server1'))).toBe(true);
        expect(labels.some((label) => label.includes('server2'))).toBe(true);
        expect(await page.locator('#result-meta').textContent()).toContain('query by you');

        // Spike the gauge: the anomaly arrives over the WebSocket, then its analysis.
        exporter.set('cpu_usage_percent', { instance: 'server1' }, 97);
        const item = page.locator('#anomalies li[data-status="firing"]', { hasText: 'cpu_usage_percent' });
        await item.waitFor({ timeout: 15_000 });
        expect(await item.getAttribute('data-severity')).toBe('high');
        expect(await item.locator('.labels').textContent()).toContain('instance="server1"');
        if (await item.locator('.rca-pending').isVisible()) await shot(page, '03-anomaly.png');
        await item.locator('.rca .badge[data-source="llm"]').waitFor({ timeout: 15_000 });
        expect(await item.locator('.rca-summary').textContent()).toContain(
          'CPU usage on server1 jumped to 97%',
        );
        expect(await item.locator('.rca dd').allTextContents()).toEqual([
          'server1 is working much harder than usual.',
          'A process on server1 is using most of the CPU.',
          'Find the busiest process with top on server1 and restart or scale it.',
        ]);
        expect(await page.evaluate('window.notReloaded')).toBe(true);
        await shot(page, '04-rca.png');

        // Acknowledge and silence through the server's routes.
        const id = await item.getAttribute('data-id');
        await item.locator('button[data-action="ack"]').click();
        await item.locator('.status-badge[data-status="acknowledged"]').waitFor();
        expect((await store.anomalies.get(id!))?.acknowledgedAt).not.toBeNull();
        await item.locator('select[data-action="duration"]').selectOption('4h');
        await item.locator('button[data-action="silence"]').click();
        await item.locator('text=Silenced until').waitFor();
        const silences = await store.silences.list({});
        expect(silences).toHaveLength(1);
        expect(silences[0]!.endsAt - silences[0]!.startsAt).toBe(4 * 3600 * 1000);

        // Dark theme from the toggle, remembered across a reload.
        await page.locator('#theme-toggle').click();
        expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
        await page.reload();
        await page.locator('#anomalies li[data-status="firing"] .rca').waitFor();
        expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
        const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
        expect(background).toBe('rgb(15, 17, 23)');
        await shot(page, '05-dark.png');
      });
      await context.close();
      expect(problems).toEqual([]);
      expect(foreignRequests).toEqual([]);
    }, 60_000);

    it('asks for the API token once, keeps it, and sends it on requests and the WebSocket', async () => {
      const context = await browser.newContext({
        viewport: { width: 1200, height: 900 },
        colorScheme: 'dark',
      });
      // Chromium logs the refused WebSocket handshake and 401 answers; nothing else may fail.
      const page = await open(context, guarded.url, /\b401\b|HTTP Authentication failed/);
      await steps(page, 'token', async () => {
        // The live connection is refused without the token: the page asks for it.
        const dialog = page.locator('#token-dialog[open]');
        await dialog.waitFor();
        await shot(page, '06-token.png');
        await page.locator('#token-input').fill(API_TOKEN);
        await page.locator('#token-input').press('Enter');
        await page.locator('#live-state[data-state="ok"]').waitFor();
        expect(await page.evaluate("localStorage.getItem('promptheus.apiToken')")).toBe(API_TOKEN);

        // Asking (a protected route) now works without a second prompt.
        await page.locator('#question').fill('show CPU usage for server2');
        await page.locator('#ask-button').click();
        await page.locator('#chart canvas, #chart .stats, #chart .gauges').first().waitFor();
        expect(await page.locator('#promql').inputValue()).toContain('server2');
        expect(await dialog.count()).toBe(0);
      });
      await context.close();
      expect(problems).toEqual([]);
    }, 30_000);

    it('draws gauges, bars, tables and stats, says when there is no query, and names an unreachable Prometheus', async () => {
      const context = await browser.newContext({
        viewport: { width: 1300, height: 900 },
        colorScheme: 'light',
      });
      const page = await open(context, offline.url);
      await steps(page, 'layouts', async () => {
        await page
          .locator('#banner', {
            hasText: new RegExp(
              `^Prometheus unreachable.* at http://127\\.0\\.0\\.1:${closedPort}\\b.*ECONNREFUSED`,
            ),
          })
          .waitFor();
        await page
          .locator('#status .pill[data-state="bad"]', { hasText: 'Prometheus: unreachable' })
          .waitFor();
        await page.locator('#live-state[data-state="ok"]').waitFor();
        const ask = async (question: string) => {
          await page.locator('#question').fill(question);
          await page.locator('#question').press('Enter');
          await page.locator('#result[aria-busy="false"]').waitFor();
        };

        await ask('gauge');
        expect(await page.locator('#promql-explanation').textContent()).toBe(
          'the current value of cpu_usage_percent{instance="server1"}',
        );
        const gauge = page.locator('#chart[data-chart="gauge"] [role="meter"]');
        expect(await gauge.getAttribute('aria-valuenow')).toBe('93.5');
        expect(await gauge.getAttribute('aria-valuemax')).toBe('100');
        expect(await gauge.locator('.gauge-text').textContent()).toBe('93.5%');
        // Past the 90 step of the thresholds: drawn in the "bad" colour.
        expect(await gauge.locator('.gauge-value').getAttribute('style')).toContain('var(--bad)');
        await shot(page, '07-gauge-unreachable.png');

        await ask('bars');
        const bars = page.locator('#chart[data-chart="bar"] .bars li');
        expect(await bars.locator('.bar-name').allTextContents()).toEqual(['server2', 'server3', 'server1']);
        expect(await bars.locator('.bar-value').allTextContents()).toEqual(['70%', '40%', '10%']);

        await ask('table');
        const table = page.locator('#chart[data-chart="table"] table');
        expect(await table.locator('thead th').allTextContents()).toEqual(['instance', 'job', 'Value']);
        expect(await table.locator('tbody tr').count()).toBe(2);

        await ask('stat');
        expect(await page.locator('#chart[data-chart="stat"] .stat-value').textContent()).toBe('2.5M');

        await ask('unknown');
        expect(await page.locator('#chart').isHidden()).toBe(true);
        expect(await page.locator('#grafana-button').isDisabled()).toBe(true);
        expect(await page.locator('#answer').textContent()).toContain('closest are cpu_usage_percent');
        expect(await page.locator('#closest').textContent()).toBe('Closest metrics: cpu_usage_percent, up');
        expect(await page.locator('#followups .chip').allTextContents()).toEqual([
          'Show CPU usage by instance',
        ]);
        await shot(page, '08-no-query.png');
      });
      await context.close();
      expect(problems).toEqual([]);
    }, 30_000);
  },
);
