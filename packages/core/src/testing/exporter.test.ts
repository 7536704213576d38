import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { type Exporter, startExporter } from './exporter.js';

/** Checks text with Prometheus's own parser and linter (`promtool check metrics`). */
function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error)
    throw new Error(`promtool is needed for this test (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

describe('startExporter', () => {
  it('serves the text format that Prometheus parses, with escaping and special values', async () => {
    exporter = await startExporter();
    exporter.set('cpu_usage', { instance: 'server1' }, 93.5, { help: 'CPU busy percent' });
    exporter.set('odd_values', { note: 'quote " backslash \\ newline \n end' }, Number.NaN, {
      help: 'Odd\nvalues \\ here',
    });
    exporter.set('odd_values', { note: 'up' }, Number.POSITIVE_INFINITY);
    exporter.set('odd_values', { note: 'down' }, Number.NEGATIVE_INFINITY);
    exporter.set('jobs_total', {}, 12, { type: 'counter', help: 'Jobs done' });
    const response = await fetch(exporter.url);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toBe(
      [
        '# HELP cpu_usage CPU busy percent',
        '# TYPE cpu_usage gauge',
        'cpu_usage{instance="server1"} 93.5',
        '# HELP odd_values Odd\\nvalues \\\\ here',
        '# TYPE odd_values gauge',
        'odd_values{note="quote \\" backslash \\\\ newline \\n end"} NaN',
        'odd_values{note="up"} +Inf',
        'odd_values{note="down"} -Inf',
        '# HELP jobs_total Jobs done',
        '# TYPE jobs_total counter',
        'jobs_total 12',
        '',
      ].join('\n'),
    );
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    expect(exporter.scrapes).toBe(1);
  });

  it('serves histograms', async () => {
    exporter = await startExporter();
    exporter.setHistogram(
      'latency_seconds',
      { route: '/pay' },
      { buckets: { '0.5': 9, '0.1': 5 }, sum: 2.5, count: 10 },
      { help: 'Latency' },
    );
    const text = exporter.render();
    expect(text).toContain('latency_seconds_bucket{route="/pay",le="0.1"} 5\n');
    expect(text).toContain('latency_seconds_bucket{route="/pay",le="0.5"} 9\n');
    expect(text).toContain('latency_seconds_bucket{route="/pay",le="+Inf"} 10\n');
    expect(text).toContain('latency_seconds_count{route="/pay"} 10\n');
    expect(text.indexOf('le="0.1"')).toBeLessThan(text.indexOf('le="0.5"'));
    expect(promtool(text).status).toBe(0);
  });

  it('changes, removes and clears series; serves a custom body or failures on request', async () => {
    exporter = await startExporter({ path: '/custom' });
    exporter.set('a', { x: '1' }, 1);
    exporter.set('a', { x: '2' }, 2);
    exporter.set('a', { x: '1' }, 10);
    expect(exporter.render()).toContain('a{x="1"} 10\na{x="2"} 2\n');
    expect(exporter.remove('a', { x: '2' })).toBe(true);
    expect(exporter.remove('a', { x: '2' })).toBe(false);
    expect(exporter.render()).not.toContain('x="2"');
    expect(exporter.remove('a')).toBe(true);
    expect(exporter.render()).toBe('');
    exporter.set('b', {}, 1);
    exporter.clear();
    expect(exporter.render()).toBe('');

    exporter.setBody('garbage{\n');
    expect(await (await fetch(exporter.url)).text()).toBe('garbage{\n');
    exporter.setBody(null);
    exporter.setFailure(503);
    expect((await fetch(exporter.url)).status).toBe(503);
    exporter.setFailure(null);
    expect((await fetch(exporter.url)).status).toBe(200);
    expect((await fetch(`http://${exporter.host}/metrics`)).status).toBe(404);
  });

  it('rejects what the text format cannot carry', async () => {
    exporter = await startExporter();
    const code = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return PromptheusError.isInstance(error) ? error.code : 'other';
      }
      return 'none';
    };
    expect(code(() => exporter!.set('bad-name', {}, 1))).toBe('invalid_input');
    expect(code(() => exporter!.set('ok', { 'bad-label': 'x' }, 1))).toBe('invalid_input');
    expect(code(() => exporter!.set('ok', { __reserved: 'x' }, 1))).toBe('invalid_input');
    expect(code(() => exporter!.set('ok', { a: 1 as unknown as string }, 1))).toBe('invalid_input');
    expect(code(() => exporter!.set('ok', {}, '1' as unknown as number))).toBe('invalid_input');
    exporter.set('ok', {}, 1, { type: 'counter' });
    expect(code(() => exporter!.set('ok', {}, 1, { type: 'gauge' }))).toBe('conflict');
    expect(code(() => exporter!.setHistogram('h', { le: '1' }, { buckets: {}, sum: 0, count: 0 }))).toBe(
      'invalid_input',
    );
    expect(code(() => exporter!.setFailure(200))).toBe('invalid_input');
  });

  it('closes twice safely', async () => {
    const local = await startExporter();
    await local.close();
    await local.close();
    await expect(fetch(local.url)).rejects.toThrow();
  });
});
