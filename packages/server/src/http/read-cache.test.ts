import { createEmitter, createMemoryStore, type PromptheusEvents, type Store } from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { anomalyRecord } from '../testing/fixtures.js';

let store: Store;
let now: number;
beforeEach(() => {
  store = createMemoryStore();
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await store.close();
});

const total = async (response: Response) => ((await response.json()) as { total: number }).total;

describe('read cache', () => {
  it('reuses an answer within the TTL and reads the store again after it', async () => {
    const app = createApp({ store, clock: () => now });
    expect(await total(await app.request('/anomalies'))).toBe(0);
    await store.anomalies.insert([anomalyRecord()]);
    const cached = await app.request('/anomalies');
    expect(cached.headers.get('X-Cache')).toBe('hit');
    expect(await total(cached)).toBe(0);
    now += 1001;
    const fresh = await app.request('/anomalies');
    expect(fresh.headers.get('X-Cache')).toBeNull();
    expect(await total(fresh)).toBe(1);
  });

  it('is dropped by any write through the API, so clients read their own writes', async () => {
    const app = createApp({ store, clock: () => now });
    expect((await (await app.request('/targets')).json()) as object).toMatchObject({ total: 0 });
    const created = await app.request('/targets', {
      method: 'POST',
      body: JSON.stringify({ name: 'prod', url: 'http://prom:9090' }),
    });
    expect(created.status).toBe(201);
    expect((await (await app.request('/targets')).json()) as object).toMatchObject({ total: 1 });
  });

  it('is dropped when events say stored data changed', async () => {
    const events = createEmitter<PromptheusEvents>();
    const app = createApp({ store, events, clock: () => now });
    expect(await total(await app.request('/anomalies?status=firing'))).toBe(0);
    const anomaly = anomalyRecord();
    await store.anomalies.insert([anomaly]);
    events.emit('anomaly:fired', { anomaly });
    expect(await total(await app.request('/anomalies?status=firing'))).toBe(1);
  });

  it('keys answers by the full URL and never keeps errors', async () => {
    const app = createApp({ store, clock: () => now });
    await store.anomalies.insert([anomalyRecord({ severity: 'critical' })]);
    expect(await total(await app.request('/anomalies?severity=critical'))).toBe(1);
    expect(await total(await app.request('/anomalies?severity=low'))).toBe(0);
    expect((await app.request('/anomalies/missing')).status).toBe(404);
    const anomaly = anomalyRecord({ id: 'missing' });
    await store.anomalies.insert([anomaly]);
    expect((await app.request('/anomalies/missing')).status).toBe(200);
  });

  it('can be turned off', async () => {
    const app = createApp({ store, clock: () => now, config: { readCacheMs: 0 } });
    await app.request('/stats');
    await store.anomalies.insert([anomalyRecord()]);
    const stats = (await (await app.request('/stats')).json()) as { anomalies: number };
    expect(stats.anomalies).toBe(1);
  });

  it('never answers from the cache without the token when reads are protected', async () => {
    const token = 'read-cache-token-123';
    const app = createApp({ store, clock: () => now, config: { apiToken: token, protectReads: true } });
    const authorized = await app.request('/stats', { headers: { Authorization: `Bearer ${token}` } });
    expect(authorized.status).toBe(200);
    expect((await app.request('/stats')).status).toBe(401);
  });

  it('keeps CORS headers on answers served from the cache', async () => {
    const app = createApp({ store, clock: () => now, config: { corsOrigins: ['https://dash.example.com'] } });
    const headers = { Origin: 'https://dash.example.com' };
    expect((await app.request('/rca', { headers })).headers.get('Access-Control-Allow-Origin')).toBe(
      'https://dash.example.com',
    );
    const hit = await app.request('/rca', { headers });
    expect(hit.headers.get('X-Cache')).toBe('hit');
    expect(hit.headers.get('Access-Control-Allow-Origin')).toBe('https://dash.example.com');
  });
});
