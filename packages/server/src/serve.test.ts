import { createEmitter, createMemoryStore, type PromptheusEvents, type Store } from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp } from './app.js';
import { createLiveHub, type LiveBatch } from './live.js';
import { type RunningServer, serve } from './serve.js';
import { anomalyRecord, rcaRecord } from './testing/fixtures.js';

const token = 'websocket-test-token-123';
let store: Store;
let events: ReturnType<typeof createEmitter<PromptheusEvents>>;
let running: RunningServer;

const tick = (number: number, fired: number) => ({
  tick: number,
  startedAt: Date.now(),
  durationMs: 12,
  samples: 40,
  fired,
  resolved: 0,
  errors: [],
  phases: { collect: 5 },
});

/** Connects and collects every message until closed. */
function connect(path: string, options: WebSocket.ClientOptions = {}, protocols?: string[]) {
  const url = running.url.replace('http', 'ws') + path;
  const socket = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const next = async (predicate: (message: Record<string, unknown>) => boolean, timeoutMs = 3000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  opened.catch(() => {});
  const refused = new Promise<number>((resolve) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
  });
  const closed = new Promise<{ code: number }>((resolve) =>
    socket.once('close', (code) => resolve({ code })),
  );
  return { socket, messages, next, opened, refused, closed };
}

beforeEach(async () => {
  store = createMemoryStore();
  events = createEmitter<PromptheusEvents>();
  const hub = createLiveHub({ events, flushDelayMs: 20 });
  running = await serve({
    app: createApp({ store, events }),
    port: 0,
    websocket: {
      hub,
      apiToken: token,
      allowedOrigins: ['https://dash.example.com'],
      maxPayload: 1024,
      pingIntervalMs: 200,
      version: '1.2.3',
    },
  });
});

afterEach(async () => {
  await running.close();
  await store.close();
});

describe('serve', () => {
  it('serves the REST API on a real port', async () => {
    const response = await fetch(`${running.url}/stats`);
    expect(response.status).toBe(200);
    expect((await response.json()) as object).toMatchObject({ anomalies: 0 });
  });

  it('fails clearly when the port is taken', async () => {
    await expect(serve({ app: createApp({ store }), port: running.port })).rejects.toThrow(
      /already in use; set PORT/,
    );
  });

  it('closes twice without error', async () => {
    await running.close();
    await running.close();
  });
});

describe('WebSocket /ws', () => {
  it('pushes one batch per tick with fired anomalies, then RCA that arrives later', async () => {
    const client = connect(`/ws?token=${token}`);
    await client.opened;
    expect(await client.next((message) => message['type'] === 'hello')).toMatchObject({ version: '1.2.3' });
    expect(running.websocket?.clients).toBe(1);

    const first = anomalyRecord();
    const second = anomalyRecord({ labels: { instance: 'server2' } });
    events.emit('tick:start', { tick: 1, startedAt: Date.now() });
    events.emit('anomaly:fired', { anomaly: first });
    events.emit('anomaly:fired', { anomaly: second });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(client.messages.filter((message) => message['type'] === 'batch')).toHaveLength(0);
    events.emit('tick:complete', tick(1, 2));

    const batch = (await client.next((message) => message['type'] === 'batch')) as unknown as LiveBatch;
    expect(batch.tick?.tick).toBe(1);
    expect(batch.events.map((event) => event.type)).toEqual(['anomaly:fired', 'anomaly:fired']);

    events.emit('rca:ready', { anomaly: first, rca: rcaRecord(first) });
    const late = (await client.next(
      (message) => message['type'] === 'batch' && (message as unknown as LiveBatch).tick === null,
    )) as unknown as LiveBatch;
    expect(late.events).toEqual([expect.objectContaining({ type: 'rca:ready', anomalyId: first.id })]);
    client.socket.close();
  });

  it('accepts the token as a subprotocol and answers pings', async () => {
    const client = connect('/ws', {}, ['promptheus', `bearer.${token}`]);
    await client.opened;
    expect(client.socket.protocol).toBe('promptheus');
    client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.next((message) => message['type'] === 'pong')).toHaveProperty('serverTime');
    client.socket.send('nonsense');
    expect(await client.next((message) => message['type'] === 'error')).toMatchObject({
      error: { code: 'invalid_input' },
    });
    client.socket.close();
  });

  it('refuses a missing or wrong token, a foreign origin and unknown paths', async () => {
    expect(await connect('/ws').refused).toBe(401);
    expect(await connect('/ws?token=wrong').refused).toBe(401);
    expect(
      await connect(`/ws?token=${token}`, { headers: { Origin: 'https://evil.example.com' } }).refused,
    ).toBe(403);
    expect(await connect(`/elsewhere?token=${token}`).refused).toBe(404);
    const allowed = connect(`/ws?token=${token}`, { headers: { Origin: 'https://dash.example.com' } });
    await allowed.opened;
    allowed.socket.close();
    const sameOrigin = connect(`/ws?token=${token}`, { headers: { Origin: running.url } });
    await sameOrigin.opened;
    sameOrigin.socket.close();
  });

  it('closes a client that sends a message over the size limit', async () => {
    const client = connect(`/ws?token=${token}`);
    await client.opened;
    client.socket.send('x'.repeat(4096));
    expect((await client.closed).code).toBe(1009);
  });

  it('drops a client that stops answering pings', async () => {
    const client = connect(`/ws?token=${token}`, { autoPong: false });
    await client.opened;
    const closed = await client.closed;
    expect(closed.code).toBe(1006);
    await expect.poll(() => running.websocket?.clients, { timeout: 2000 }).toBe(0);
  });

  it('closes clients with 1001 when the server shuts down', async () => {
    const client = connect(`/ws?token=${token}`);
    await client.opened;
    await running.close();
    expect((await client.closed).code).toBe(1001);
  });
});
