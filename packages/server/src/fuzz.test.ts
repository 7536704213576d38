import { createMemoryStore, type Store } from '@promptheus/core';
import { createSqliteStore } from '@promptheus/storage-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { anomalyRecord, fakeAsk, fakePrometheus, rcaRecord, recordingNotifier } from './testing/fixtures.js';

/** A small deterministic random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hostileStrings = [
  '',
  ' ',
  'x'.repeat(100_000),
  '\u0000\u0001\u001f',
  '\r\nBcc: evil@example.com',
  '<script>alert(1)</script>',
  '$' + '{jndi:ldap://x}',
  "'; DROP TABLE anomalies; --",
  '../../../../etc/passwd',
  '%00',
  '\ud800',
  '🔥'.repeat(1000),
  'NaN',
  '1e999',
  '-1',
  'http://user:pass@host',
  'javascript:alert(1)',
  '{__name__=~".+"}',
];

const hostileObjects: unknown[] = [
  { $ne: 1 },
  { $gt: '' },
  { $where: 'sleep(1000)' },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  { prompt: { $ne: null } },
  { prompt: ['a', 'b'] },
  { message: { toString: 'x' } },
  { enabled: 'true', recipients: { $ne: [] } },
  { recipients: [{ $ne: 1 }] },
  { matchers: [{ name: { $ne: 1 }, value: '(a+)+$', isRegex: true }], duration: '1h' },
  { matchers: Array.from({ length: 1000 }, () => ({ name: 'a', value: 'b' })), duration: 60 },
  { name: 'x', url: 'file:///etc/passwd' },
  { name: '__proto__', url: 'http://a:9090' },
  { auth: { type: 'bearer', token: { $ne: 1 } }, name: 'y', url: 'http://a:9090' },
  { duration: 1e308 },
  { duration: -5 },
  { startsAt: '2024-13-45', endsAt: 'never', matchers: [{ name: 'a', value: 'b' }] },
  { session_id: '../../etc', prompt: 'cpu' },
  { context: { nested: { deep: { deeper: [1, 2, 3] } } }, message: 'hi' },
];

function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return [0, -1, 1e308, -1e308, 0.5, 2 ** 53 + 1][Math.floor(next() * 6)];
    case 3:
    case 4:
      return hostileStrings[Math.floor(next() * hostileStrings.length)];
    case 5:
      return hostileObjects[Math.floor(next() * hostileObjects.length)];
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const keys = [
        'prompt',
        'message',
        'enabled',
        'recipients',
        'name',
        'url',
        'matchers',
        'duration',
        '$ne',
        '__proto__',
      ];
      const object: Record<string, unknown> = {};
      for (let index = Math.floor(next() * 4); index > 0; index--) {
        object[keys[Math.floor(next() * keys.length)]!] = randomValue(next, depth + 1);
      }
      return object;
    }
  }
}

const rawBodies: Array<{ body: string | Uint8Array; contentType?: string }> = [
  { body: '{"prompt":', contentType: 'application/json' },
  { body: 'not json at all', contentType: 'application/json' },
  { body: '{"prompt": "a"}{"prompt": "b"}', contentType: 'application/json' },
  {
    body: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  },
  { body: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' },
  {
    body: '--x\r\nContent-Disposition: form-data; name="prompt"\r\n\r\ncpu\r\n--x--',
    contentType: 'multipart/form-data; boundary=x',
  },
  { body: '<prompt>cpu</prompt>', contentType: 'text/xml' },
  {
    body: 'prompt=cpu&prompt[$ne]=1&__proto__[polluted]=1',
    contentType: 'application/x-www-form-urlencoded',
  },
  { body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28]), contentType: 'application/json' },
  { body: JSON.stringify({ prompt: 'x'.repeat(2_000_000) }), contentType: 'application/json' },
  { body: 'null', contentType: 'application/json' },
  { body: '"just a string"' },
  { body: '12345' },
];

const hostileQueries = [
  '?limit=1e999',
  '?limit=-1&offset=-1',
  '?limit[]=1',
  '?status[$ne]=x',
  '?severity=__proto__',
  '?since=99999999999999999999',
  '?since=-5m',
  `?since=${'9'.repeat(500)}`,
  '?prompt=' + encodeURIComponent('x'.repeat(10_000)),
  '?active=maybe',
  '?include=everything',
  '?session_id=%00',
  '?__proto__[polluted]=1',
];

const hostileIds = [
  '%00',
  '..%2F..%2Fetc',
  'x'.repeat(5000),
  '%F0%9F%94%A5',
  '$ne',
  '__proto__',
  'a%20b',
  '%',
];

describe.each([
  { kind: 'memory', createStore: (): Store => createMemoryStore() },
  { kind: 'sqlite', createStore: (): Store => createSqliteStore({ path: ':memory:' }) },
])('$kind store', ({ createStore }) => {
  let store: Store;
  let app: ReturnType<typeof createApp>;
  let anomalyId = '';

  beforeAll(async () => {
    store = createStore();
    const anomaly = anomalyRecord();
    anomalyId = anomaly.id;
    await store.anomalies.insert([anomaly]);
    await store.rca.insert(rcaRecord(anomaly));
    app = createApp({
      store,
      prometheus: fakePrometheus({ up: true }),
      ask: fakeAsk(),
      notifiers: [recordingNotifier('email'), recordingNotifier('slack')],
      dispatcher: { test: async () => ({ ok: true }) },
      config: { chatRateLimitPerMinute: 0 },
    });
  });

  afterAll(async () => {
    await store.close();
  });

  const routes = () =>
    [
      ...new Set(
        app.routes
          .filter((route) => route.method !== 'ALL' && !route.path.startsWith('/ui'))
          .map((route) => `${route.method} ${route.path}`),
      ),
    ].map((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return { method, path };
    });

  async function expectNoServerError(method: string, path: string, init: RequestInit = {}): Promise<void> {
    const response = await app.request(path, { method, ...init });
    const text = await response.text();
    expect(
      response.status,
      `${method} ${path.slice(0, 80)} → ${response.status} ${text.slice(0, 200)}`,
    ).toBeLessThan(500);
    if (response.status >= 400) {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code, `${method} ${path.slice(0, 80)}`).toBe('string');
      expect(text).not.toMatch(/\n\s+at /);
    }
  }

  describe('hostile input on every route', () => {
    it('covers the routes the app serves', () => {
      expect(routes().length).toBeGreaterThan(25);
    });

    it('never answers 5xx to random, wrongly typed and operator-shaped bodies', async () => {
      const next = random(20_240_501);
      for (const { method, path } of routes()) {
        const concrete = path.replace(':id', anomalyId);
        for (let round = 0; round < 12; round++) {
          const value =
            round < hostileObjects.length
              ? hostileObjects[(round * 7 + path.length) % hostileObjects.length]
              : randomValue(next);
          await expectNoServerError(method, concrete, {
            headers: { 'Content-Type': 'application/json' },
            body: method === 'GET' || method === 'HEAD' ? null : JSON.stringify(value),
          });
        }
      }
    });

    it('never answers 5xx to broken JSON, wrong content types and oversized bodies', async () => {
      for (const { method, path } of routes()) {
        if (method === 'GET') continue;
        for (const { body, contentType } of rawBodies) {
          await expectNoServerError(method, path.replace(':id', anomalyId), {
            headers: contentType ? { 'Content-Type': contentType } : {},
            body,
          });
        }
      }
    });

    it('never answers 5xx to hostile query strings and path parameters', async () => {
      for (const { method, path } of routes()) {
        for (const query of hostileQueries)
          await expectNoServerError(method, `${path.replace(':id', anomalyId)}${query}`);
        if (path.includes(':id')) {
          for (const id of hostileIds) await expectNoServerError(method, path.replace(':id', id));
        }
      }
    });

    it('leaves prototypes unpolluted and the store consistent', async () => {
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
      for (const target of await store.targets.list()) {
        expect(target.url).toMatch(/^https?:\/\//);
        expect(typeof target.name).toBe('string');
      }
      const config = await store.emailConfig.get();
      if (config) for (const recipient of config.recipients) expect(recipient).toMatch(/^[^@\s]+@[^@\s]+$/);
    });
  });
});
