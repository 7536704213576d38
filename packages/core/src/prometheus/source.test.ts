import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../model/target.js';
import { findFreePort } from '../testing/prometheus.js';
import { createPrometheusSource, type PrometheusSourceTarget } from './source.js';

/** A fake Prometheus answering instant queries from a table, or with an error when told to. */
let server: Server;
let url: string;
let mode: 'ok' | 'bad_data' | 'html' = 'ok';
const queries: string[] = [];
const encodings: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    queries.push(query);
    encodings.push(request.headers['accept-encoding']);
    if (mode === 'bad_data') {
      response
        .writeHead(400, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: bad selector' }));
      return;
    }
    if (mode === 'html') {
      response.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end('<html>login</html>');
      return;
    }
    const result =
      query === 'up'
        ? [{ metric: { __name__: 'up', job: 'a' }, value: [1_700_000_000, '1'] }]
        : [
            { metric: { __name__: 'up', job: 'a' }, value: [1_700_000_000, '1'] },
            { metric: { __name__: 'load', job: 'a' }, value: [1_700_000_000, '0.5'] },
          ];
    response
      .writeHead(200, { 'content-type': 'application/json', connection: 'close' })
      .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createPrometheusSource', () => {
  it('backs off exponentially with a cap, and tries again once the pause is over', async () => {
    const down = `http://127.0.0.1:${await findFreePort()}`;
    let clock = 1_000_000;
    const source = createPrometheusSource({
      targets: [{ name: 'down', url: down }],
      now: () => clock,
      random: () => 0.5, // no jitter
    });
    const pauses: number[] = [];
    for (let failure = 1; failure <= 8; failure++) {
      const [report] = (await source.collect()).targets;
      expect(report).toMatchObject({
        target: 'down',
        ok: false,
        consecutiveFailures: failure,
        sampleCount: 0,
      });
      expect(report!.error).toContain('ECONNREFUSED');
      pauses.push(report!.retryAt! - clock);
      clock += 10; // still backing off: not queried
      const [skipped] = (await source.collect()).targets;
      expect(skipped).toMatchObject({
        skipped: true,
        consecutiveFailures: failure,
        retryAt: report!.retryAt,
      });
      clock = report!.retryAt!;
    }
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('spreads pauses with jitter', async () => {
    const down = `http://127.0.0.1:${await findFreePort()}`;
    const low = createPrometheusSource({
      targets: [{ name: 'd', url: down }],
      now: () => 0,
      random: () => 0,
    });
    const high = createPrometheusSource({
      targets: [{ name: 'd', url: down }],
      now: () => 0,
      random: () => 0.999,
    });
    expect((await low.collect()).targets[0]!.retryAt).toBe(800);
    expect((await high.collect()).targets[0]!.retryAt).toBeGreaterThan(1190);
  });

  it('reports Prometheus errors and bad answers per target without throwing, and recovers', async () => {
    let clock = 0;
    const source = createPrometheusSource({
      targets: [{ name: 'fake', url }],
      now: () => clock,
      random: () => 0.5,
    });
    mode = 'bad_data';
    const first = await source.collect();
    expect(first.samples).toEqual([]);
    expect(first.targets[0]).toMatchObject({ ok: false, consecutiveFailures: 1 });
    expect(first.targets[0]!.error).toContain('parse error: bad selector');
    mode = 'html';
    clock += 1000;
    const second = await source.collect();
    expect(second.targets[0]).toMatchObject({ ok: false, consecutiveFailures: 2 });
    expect(second.targets[0]!.error).toContain('HTML page');
    mode = 'ok';
    clock += 2000;
    const third = await source.collect();
    expect(third.targets[0]).toMatchObject({ ok: true, consecutiveFailures: 0, sampleCount: 2 });
    expect(third.targets[0]!.retryAt).toBeUndefined();
  });

  it('queries each selector once and reports a series matched twice once', async () => {
    queries.length = 0;
    const source = createPrometheusSource({
      targets: [{ name: 'fake', url, selectors: ['up', '{job="a"}'] }],
    });
    const { samples } = await source.collect();
    expect(queries.sort()).toEqual(['up', '{job="a"}'].sort());
    expect(samples.map((sample) => sample.seriesId).sort()).toEqual([
      'fake|load{job="a"}',
      'fake|up{job="a"}',
    ]);
  });

  it('asks for uncompressed answers unless compression is turned on', async () => {
    encodings.length = 0;
    await createPrometheusSource({ targets: [{ name: 'a', url, selectors: ['up'] }] }).collect();
    await createPrometheusSource({
      targets: [{ name: 'a', url, selectors: ['up'] }],
      compression: true,
    }).collect();
    await createPrometheusSource({
      targets: [{ name: 'a', url, selectors: ['up'], compression: true }],
      compression: false,
    }).collect();
    expect(encodings[0]).toBe('identity');
    expect(encodings[1]).toContain('gzip');
    expect(encodings[2]).toContain('gzip');
  });

  it('takes targets from a function, skips disabled ones, reports duplicates, bad settings and listing failures', async () => {
    let list: PrometheusSourceTarget[] = [
      { name: 'one', url },
      { name: 'off', url, enabled: false },
      { name: 'one', url },
      { name: 'secret', url: 'http://admin:hunter22@127.0.0.1:9' },
    ];
    let failListing = false;
    const source = createPrometheusSource({
      targets: async () => {
        if (failListing) throw new Error('store is locked');
        return list;
      },
    });
    const first = await source.collect();
    expect(first.targets.map((target) => [target.target, target.ok])).toEqual([
      ['one', true],
      ['one', false],
      ['secret', false],
    ]);
    expect(first.targets[1]!.error).toContain('duplicate');
    expect(first.targets[2]!.error).toContain('auth option');
    expect(JSON.stringify(first)).not.toContain('hunter22');
    expect(first.samples.every((sample) => sample.target === 'one')).toBe(true);

    failListing = true;
    const second = await source.collect();
    expect(second.targets.at(-1)).toMatchObject({ target: 'targets', ok: false });
    expect(second.targets.at(-1)!.error).toContain('store is locked');
    expect(second.samples.length).toBe(2); // the last known list is still collected

    failListing = false;
    list = [{ name: 'two', url, selectors: ['up'] }];
    const third = await source.collect();
    expect(third.targets.map((target) => target.target)).toEqual(['two']);
    expect(third.samples.map((sample) => sample.seriesId)).toEqual(['two|up{job="a"}']);
  });

  it('accepts stored targets as they are, with empty selectors meaning every series', async () => {
    const stored: Target = {
      id: 'target-1',
      name: 'stored',
      url,
      enabled: true,
      selectors: [],
      auth: null,
      createdAt: 0,
      updatedAt: 0,
    };
    const disabled: Target = { ...stored, id: 'target-2', name: 'disabled', enabled: false };
    queries.length = 0;
    const { samples, targets } = await createPrometheusSource({
      targets: () => [stored, disabled],
    }).collect();
    expect(queries).toEqual(['{__name__=~".+"}']);
    expect(targets.map((target) => target.target)).toEqual(['stored']);
    expect(samples).toHaveLength(2);
  });

  it('reports targets as failed when the collection is aborted, without counting it against them', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const source = createPrometheusSource({
        targets: [{ name: 'slow', url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}` }],
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const { targets } = await source.collect({ signal: controller.signal });
      expect(targets[0]).toMatchObject({ ok: false, consecutiveFailures: 0 });
      expect(targets[0]!.error).toContain('aborted');
      expect(targets[0]!.retryAt).toBeUndefined();
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('times out a target that never answers', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const source = createPrometheusSource({
        targets: [
          {
            name: 'slow',
            url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
            timeoutMs: 200,
          },
          { name: 'fast', url },
        ],
      });
      const started = Date.now();
      const { targets, samples } = await source.collect();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(targets[0]).toMatchObject({ target: 'slow', ok: false, consecutiveFailures: 1 });
      expect(targets[0]!.error).toContain('timed out after 200 ms');
      expect(targets[1]).toMatchObject({ target: 'fast', ok: true });
      expect(samples).toHaveLength(2);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('rejects bad options', () => {
    expect(() => createPrometheusSource({} as never)).toThrow(/targets/);
    expect(() => createPrometheusSource({ targets: [], timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createPrometheusSource({ targets: [], selectors: [''] })).toThrow(/selectors/);
  });
});
