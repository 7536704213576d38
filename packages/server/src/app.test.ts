import {
  type Anomaly,
  type ChatSession,
  createEmitter,
  createMemoryStore,
  type MetricSnapshot,
  PromptheusError,
  type PromptheusEvents,
  type Rca,
  type Silence,
  type Store,
} from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { anomalyRecord, fakeAsk, fakePrometheus, rcaRecord, recordingNotifier } from './testing/fixtures.js';
import type { AppDependencies } from './types.js';

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { fields: Array<{ path: string; message: string }>; retryable?: boolean };
  };
}
interface Page<Item> {
  items: Item[];
  total: number;
}
interface StatusBody {
  status: string;
  prometheus: { reachable: boolean; error: string | null };
  llm: unknown;
  monitor: { enabled: boolean };
}

/** Reads a JSON body as the type the test expects. */
const read = async <Body>(response: Response | Promise<Response>): Promise<Body> =>
  (await (await response).json()) as Body;
const errorOf = async (response: Response) => (await read<ErrorBody>(response)).error;

let store: Store;
beforeEach(() => {
  store = createMemoryStore();
});
afterEach(async () => {
  await store.close();
});

const build = (overrides: Partial<AppDependencies> = {}) => createApp({ store, ...overrides });
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const put = (body: unknown, headers: Record<string, string> = {}) => ({
  ...json(body, headers),
  method: 'PUT',
});

describe('GET /', () => {
  it('reports version, Prometheus reachability, store, LLM, notifiers and monitor', async () => {
    const app = build({
      prometheus: fakePrometheus({ up: true }),
      llm: { name: 'gemini', model: 'gemini-2.5-flash' },
      notifiers: [
        recordingNotifier('email'),
        recordingNotifier('slack', { enabled: false, configured: false }),
      ],
      monitor: {
        start() {},
        async stop() {},
        state: () => ({ running: true, lastTick: null }),
      },
      config: { prometheusUrl: 'http://127.0.0.1:9', monitorIntervalSeconds: 30 },
      version: '9.9.9',
    });
    const response = await app.request('/');
    expect(response.status).toBe(200);
    const status = await read<StatusBody>(response);
    expect(status).toMatchObject({
      name: 'promptheus',
      version: '9.9.9',
      status: 'ok',
      prometheus: { reachable: true, version: '2.42.0', url: 'http://127.0.0.1:9' },
      store: { kind: 'memory' },
      llm: { mode: 'llm', provider: 'gemini', model: 'gemini-2.5-flash' },
      email: { enabled: true },
      slack: { enabled: false },
      monitor: { enabled: true, running: true, intervalSeconds: 30 },
    });
  });

  it('says degraded with the reason when Prometheus is unreachable, offline without an LLM', async () => {
    const app = build({ prometheus: fakePrometheus({ up: false }) });
    const status = await read<StatusBody>(app.request('/'));
    expect(status.status).toBe('degraded');
    expect(status.prometheus.reachable).toBe(false);
    expect(status.prometheus.error).toContain('ECONNREFUSED');
    expect(status.llm).toEqual({ mode: 'offline', provider: null, model: null });
    expect(status.monitor.enabled).toBe(false);
  });
});

describe('stats, snapshots, anomalies and RCA', () => {
  it('counts records', async () => {
    const firing = anomalyRecord();
    const resolved = anomalyRecord({ status: 'resolved', endsAt: Date.now() });
    await store.anomalies.insert([firing, resolved]);
    await store.rca.insert(rcaRecord(firing));
    await store.snapshots.insert({
      id: 's1',
      timestamp: 1,
      count: 3,
      metrics: [],
      targets: ['default'],
      errors: [],
    });
    const stats = await read<Record<string, number>>(build().request('/stats'));
    expect(stats).toMatchObject({ snapshots: 1, anomalies: 2, firing: 1, rca: 1, chatSessions: 0 });
  });

  it('lists the newest snapshots first, 10 by default', async () => {
    for (let index = 0; index < 12; index++) {
      await store.snapshots.insert({
        id: `s${index}`,
        timestamp: 1000 + index,
        count: index,
        metrics: [{ metric: 'up', labels: { job: 'node' }, value: 1 }],
        targets: ['default'],
        errors: [],
      });
    }
    const page = await read<Page<MetricSnapshot>>(build().request('/prom-metrics'));
    expect(page.items).toHaveLength(10);
    expect(page.items[0]?.id).toBe('s11');
    expect(page.total).toBe(12);
  });

  it('filters anomalies by status, severity, since and pages through them', async () => {
    const base = Date.now() - 3_600_000;
    const records = Array.from({ length: 25 }, (_, index) =>
      anomalyRecord({
        startsAt: base + index * 60_000,
        severity: index % 5 === 0 ? 'critical' : 'high',
        status: index % 2 === 0 ? 'firing' : 'resolved',
        endsAt: index % 2 === 0 ? null : base + index * 60_000 + 1,
      }),
    );
    await store.anomalies.insert(records);
    const app = build();

    const first = await read<Page<Anomaly>>(app.request('/anomalies'));
    expect(first.items).toHaveLength(20);
    expect(first.total).toBe(25);
    expect(first.items[0]?.id).toBe(records[24]!.id);

    const second = await read<Page<Anomaly>>(app.request('/anomalies?limit=20&offset=20'));
    expect(second.items.map((item: { id: string }) => item.id)).toEqual(
      records
        .slice(0, 5)
        .map((record) => record.id)
        .reverse(),
    );

    const critical = await read<Page<Anomaly>>(app.request('/anomalies?severity=critical&status=firing'));
    expect(critical.items.every((item: { severity: string }) => item.severity === 'critical')).toBe(true);
    expect(critical.total).toBe(3); // indexes 0, 10, 20

    const recent = await read<Page<Anomaly>>(app.request('/anomalies?since=10m'));
    expect(recent.total).toBe(recent.items.length);
    expect(
      recent.items.every((item: { startsAt: number }) => item.startsAt >= Date.now() - 600_000 - 1000),
    ).toBe(true);
    expect(recent.total).toBeLessThan(25);
  });

  it('answers 400 naming the bad query parameters', async () => {
    const response = await build().request('/anomalies?severity=urgent&limit=-3&since=yesterday');
    expect(response.status).toBe(400);
    const body = await read<ErrorBody>(response);
    expect(body.error.code).toBe('invalid_input');
    const paths = body.error.details?.fields.map((field: { path: string }) => field.path);
    expect(paths).toEqual(expect.arrayContaining(['severity', 'limit', 'since']));
  });

  it('returns one anomaly with its RCA, embeds RCA in lists on request, and 404s unknown ids', async () => {
    const anomaly = anomalyRecord();
    const rca = rcaRecord(anomaly);
    await store.anomalies.insert([anomaly]);
    await store.rca.insert(rca);
    const app = build();
    const one = await read<{ anomaly: Anomaly; rca: Rca }>(app.request(`/anomalies/${anomaly.id}`));
    expect(one.anomaly.id).toBe(anomaly.id);
    expect(one.rca).toMatchObject({
      summary: rca.summary,
      cause: rca.cause,
      fix: rca.fix,
      source: 'fallback',
    });

    const list = await read<Page<Anomaly & { rca: Rca }>>(app.request('/anomalies?include=rca'));
    expect(list.items[0]?.rca.id).toBe(rca.id);

    const missing = await app.request('/anomalies/nope');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');

    const rcas = await read<Page<Rca>>(app.request('/rca'));
    expect(rcas.items.map((item: { id: string }) => item.id)).toEqual([rca.id]);
  });

  it('acknowledges, unacknowledges and silences an anomaly', async () => {
    const anomaly = anomalyRecord({ labels: { instance: 'server1' } });
    await store.anomalies.insert([anomaly]);
    const app = build({ clock: () => 1_700_000_000_000 });
    const acked = await read<{ anomaly: Anomaly }>(
      app.request(`/anomalies/${anomaly.id}/ack`, { method: 'POST' }),
    );
    expect(acked.anomaly.acknowledgedAt).toBe(1_700_000_000_000);
    expect((await store.anomalies.get(anomaly.id))?.acknowledgedAt).toBe(1_700_000_000_000);
    const unacked = await read<{ anomaly: Anomaly }>(
      app.request(`/anomalies/${anomaly.id}/ack`, { method: 'DELETE' }),
    );
    expect(unacked.anomaly.acknowledgedAt).toBeNull();

    const silenced = await app.request(`/anomalies/${anomaly.id}/silence`, json({ duration: '2h' }));
    expect(silenced.status).toBe(201);
    const { silence } = await read<{ silence: Silence }>(silenced);
    expect(silence.endsAt - silence.startsAt).toBe(7_200_000);
    expect(silence.matchers).toEqual(
      expect.arrayContaining([
        { name: '__name__', value: 'cpu_usage', isRegex: false, isEqual: true },
        { name: 'instance', value: 'server1', isRegex: false, isEqual: true },
      ]),
    );
    expect(await store.silences.get(silence.id)).not.toBeNull();
  });
});

describe('silences', () => {
  it('creates, lists, reads and deletes silences; rejects bad regexes and inverted ranges', async () => {
    const app = build();
    const created = await app.request(
      '/silences',
      json({
        matchers: [{ name: 'instance', value: 'server[0-9]+', isRegex: true }],
        duration: '30m',
        comment: 'deploy',
      }),
    );
    expect(created.status).toBe(201);
    const { silence } = await read<{ silence: Silence }>(created);
    expect(silence.matchers[0]).toEqual({
      name: 'instance',
      value: 'server[0-9]+',
      isRegex: true,
      isEqual: true,
    });

    const active = await read<Page<Silence>>(app.request('/silences?active=true'));
    expect(active.items.map((item: { id: string }) => item.id)).toEqual([silence.id]);
    expect((await app.request(`/silences/${silence.id}`)).status).toBe(200);

    const badRegex = await app.request(
      '/silences',
      json({ matchers: [{ name: 'a', value: '(', isRegex: true }], duration: 60 }),
    );
    expect(badRegex.status).toBe(400);
    expect((await errorOf(badRegex)).details?.fields[0]?.path).toBe('matchers.0.value');

    const inverted = await app.request(
      '/silences',
      json({ matchers: [{ name: 'a', value: 'b' }], startsAt: 2_000_000_000_000, endsAt: 1_000_000_000_000 }),
    );
    expect(inverted.status).toBe(400);

    const noEnd = await app.request('/silences', json({ matchers: [{ name: 'a', value: 'b' }] }));
    expect(noEnd.status).toBe(400);

    expect((await app.request(`/silences/${silence.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/silences/${silence.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('targets', () => {
  it('creates, lists, updates and deletes targets without ever returning credentials', async () => {
    const app = build();
    const created = await app.request(
      '/targets',
      json({
        name: 'prod',
        url: 'https://prom.example.com',
        auth: { type: 'bearer', token: 's3cret-token' },
      }),
    );
    expect(created.status).toBe(201);
    const createdText = await created.text();
    expect(createdText).not.toContain('s3cret-token');
    const { target } = JSON.parse(createdText);
    expect(target.auth).toEqual({ type: 'bearer', configured: true });

    const listText = await (await app.request('/targets')).text();
    expect(listText).not.toContain('s3cret-token');
    expect(JSON.parse(listText).items).toHaveLength(1);

    const updated = await app.request(`/targets/${target.id}`, put({ enabled: false, auth: null }));
    expect(updated.status).toBe(200);
    expect((await read<{ target: unknown }>(updated)).target).toMatchObject({
      enabled: false,
      auth: null,
      name: 'prod',
    });
    expect((await store.targets.get(target.id))?.auth).toBeNull();

    const duplicate = await app.request('/targets', json({ name: 'prod', url: 'http://other:9090' }));
    expect(duplicate.status).toBe(409);
    expect((await errorOf(duplicate)).code).toBe('conflict');

    expect((await app.request(`/targets/${target.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/targets/${target.id}`)).status).toBe(404);
  });

  it('accepts only http and https URLs without embedded credentials', async () => {
    const app = build();
    for (const url of [
      'file:///etc/passwd',
      'ftp://prom:21',
      'javascript:alert(1)',
      'http://user:pw@prom:9090',
      'not a url',
    ]) {
      const response = await app.request('/targets', json({ name: 'bad', url }));
      expect(response.status, url).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text).error.details.fields[0].path).toBe('url');
      expect(text).not.toContain(':pw@');
    }
    expect(await store.targets.list()).toEqual([]);
  });
});

describe('agent: email and Slack', () => {
  it('reads and saves the email config, validating addresses', async () => {
    const app = build({ notifiers: [recordingNotifier('email')], clock: () => 42 });
    const empty = await read<unknown>(app.request('/agent/email-config'));
    expect(empty).toMatchObject({ enabled: false, recipients: [], updatedAt: null });

    const saved = await app.request(
      '/agent/email-config',
      put({ enabled: true, recipients: ['Ops@Example.com', 'sre@example.com'] }),
    );
    expect(saved.status).toBe(200);
    expect(await read<unknown>(saved)).toMatchObject({
      enabled: true,
      recipients: ['ops@example.com', 'sre@example.com'],
      updatedAt: 42,
    });
    expect(await store.emailConfig.get()).toEqual({
      enabled: true,
      recipients: ['ops@example.com', 'sre@example.com'],
      updatedAt: 42,
    });

    const commaSeparated = await app.request(
      '/agent/email-config',
      put({ enabled: true, recipients: 'a@example.com, b@example.com' }),
    );
    expect((await read<{ recipients: string[] }>(commaSeparated)).recipients).toEqual([
      'a@example.com',
      'b@example.com',
    ]);

    const bad = await app.request(
      '/agent/email-config',
      put({ enabled: 'yes', recipients: ['not-an-email'] }),
    );
    expect(bad.status).toBe(400);
    const paths = (await errorOf(bad)).details?.fields.map((field: { path: string }) => field.path);
    expect(paths).toEqual(expect.arrayContaining(['enabled', 'recipients.0']));
  });

  it('sends test messages through the dispatcher and reports failures and missing configuration', async () => {
    const tested: string[] = [];
    const app = build({
      notifiers: [recordingNotifier('email'), recordingNotifier('slack')],
      dispatcher: {
        async test(channel) {
          tested.push(channel);
          return channel === 'email' ? { ok: true } : { ok: false, error: 'Slack answered 404 no_service' };
        },
      },
    });
    const email = await app.request('/agent/test-email', { method: 'POST' });
    expect(email.status).toBe(200);
    expect(await read<unknown>(email)).toEqual({ ok: true, channel: 'email' });
    const slack = await app.request('/agent/test-slack', { method: 'POST' });
    expect(slack.status).toBe(502);
    expect(await errorOf(slack)).toMatchObject({
      code: 'notification',
      message: expect.stringContaining('no_service'),
    });
    expect(tested).toEqual(['email', 'slack']);

    const unconfigured = build({
      notifiers: [
        recordingNotifier('slack', { enabled: false, configured: false, detail: 'set SLACK_WEBHOOK_URL' }),
      ],
    });
    const refused = await unconfigured.request('/agent/test-slack', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toContain('SLACK_WEBHOOK_URL');
    expect((await unconfigured.request('/agent/test-email', { method: 'POST' })).status).toBe(409);
  });

  it('reports Slack status without the webhook URL', async () => {
    const app = build({
      notifiers: [
        recordingNotifier('slack', {
          enabled: true,
          configured: true,
          detail: 'incoming webhook configured',
        }),
      ],
    });
    expect(await read<unknown>(app.request('/agent/slack-status'))).toEqual({
      enabled: true,
      configured: true,
      detail: 'incoming webhook configured',
    });
    expect(await read<unknown>(build().request('/agent/slack-status'))).toEqual({
      enabled: false,
      configured: false,
    });
  });
});

describe('POST /api/chat', () => {
  it('answers the dashboard style and the chat style with the same fields', async () => {
    const ask = fakeAsk();
    const app = build({ ask });
    const dashboard = await app.request('/api/chat', json({ prompt: 'Show CPU usage for server1' }));
    expect(dashboard.status).toBe(200);
    const answer = await read<Record<string, unknown>>(dashboard);
    expect(Object.keys(answer).sort()).toEqual(
      [
        'answer',
        'closest',
        'data',
        'error',
        'explanation',
        'followups',
        'intent',
        'layout',
        'promql',
        'session_id',
        'translator',
        'usage',
        'warnings',
      ].sort(),
    );
    expect(answer.promql).toBe('avg(cpu_usage{instance="server1"})');

    const chat = await app.request(
      '/api/chat',
      json({ message: 'and memory?', session_id: 'abc-123', context: [{ role: 'user', content: 'hi' }] }),
    );
    expect((await read<{ session_id: string }>(chat)).session_id).toBe('abc-123');
    expect(ask.requests[1]).toMatchObject({
      prompt: 'and memory?',
      sessionId: 'abc-123',
      context: [{ role: 'user', content: 'hi' }],
    });
  });

  it('reads JSON sent by curl -d (form content type) and plain form fields', async () => {
    const ask = fakeAsk();
    const app = build({ ask });
    const curl = await app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '{"prompt":"Show CPU usage for server1"}',
    });
    expect(curl.status).toBe(200);
    const form = await app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'prompt=Show+memory',
    });
    expect(form.status).toBe(200);
    expect(ask.requests.map((request) => request.prompt)).toEqual([
      'Show CPU usage for server1',
      'Show memory',
    ]);
  });

  it('rejects missing, empty and oversized questions with field errors', async () => {
    const app = build({ ask: fakeAsk() });
    for (const body of [
      {},
      { prompt: '' },
      { prompt: 'x'.repeat(5000) },
      { message: 42 },
      { prompt: 'ok', session_id: '../etc' },
    ]) {
      const response = await app.request('/api/chat', json(body));
      expect(response.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect((await errorOf(response)).details?.fields.length).toBeGreaterThan(0);
    }
    const broken = await app.request('/api/chat', { method: 'POST', body: '{"prompt":' });
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).message).toContain('not valid JSON');
  });

  it('answers 503 with a clear message when Prometheus is unreachable', async () => {
    const app = build({
      ask: fakeAsk(() => {
        throw new PromptheusError(
          'network',
          'Prometheus at http://127.0.0.1:9 is unreachable: connect ECONNREFUSED',
          {
            retryable: true,
          },
        );
      }),
    });
    const response = await app.request('/api/chat', json({ prompt: 'Show CPU usage for server1' }));
    expect(response.status).toBe(503);
    const body = await read<ErrorBody>(response);
    expect(body.error).toMatchObject({ code: 'network', details: { retryable: true } });
    expect(body.error.message).toContain('unreachable');
  });

  it('hides unexpected errors behind a generic 500 without a stack', async () => {
    const app = build({
      ask: fakeAsk(() => {
        throw new Error('database password is hunter2');
      }),
    });
    const response = await app.request('/api/chat', json({ prompt: 'hi' }));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
  });

  it('rate-limits questions per client', async () => {
    const app = build({ ask: fakeAsk(), config: { chatRateLimitPerMinute: 3 } });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) {
      statuses.push((await app.request('/api/chat', json({ prompt: 'cpu' }))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await app.request('/api/chat', json({ prompt: 'cpu' }));
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await errorOf(limited)).code).toBe('rate_limited');
  });

  it('answers 503 when no Ask pipeline is configured', async () => {
    const response = await build().request('/api/chat', json({ prompt: 'cpu' }));
    expect(response.status).toBe(503);
  });
});

describe('suggestions and history', () => {
  it('suggests from the Ask service, successful past prompts and starters', async () => {
    await store.promptHistory.insert({
      id: 'p1',
      prompt: 'Show CPU usage for server2',
      promql: 'cpu_usage{instance="server2"}',
      intent: 'query',
      success: true,
      error: null,
      translator: 'offline',
      latencyMs: 3,
      usage: null,
      sessionId: null,
      createdAt: 1,
    });
    const app = build({ ask: { ...fakeAsk(), suggest: () => ['Show CPU usage by mode'] } });
    const { suggestions } = await read<{ suggestions: string[] }>(
      app.request('/api/suggestions?prompt=cpu&limit=5'),
    );
    expect(suggestions[0]).toBe('Show CPU usage by mode');
    expect(suggestions).toContain('Show CPU usage for server2');
    expect(suggestions.length).toBeLessThanOrEqual(5);
  });

  it('lists, reads and deletes chat sessions; lists prompts', async () => {
    await store.chatSessions.create({
      id: 'chat-1',
      title: 'CPU',
      messages: [{ role: 'user', content: 'cpu?', promql: null, usage: null, timestamp: 1 }],
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      createdAt: 1,
      updatedAt: 1,
    });
    const app = build();
    const list = await read<Page<ChatSession>>(app.request('/api/history'));
    expect(list.items.map((session: { id: string }) => session.id)).toEqual(['chat-1']);
    expect(
      (await read<{ session: ChatSession }>(app.request('/api/history/chat-1'))).session.messages,
    ).toHaveLength(1);
    expect((await app.request('/api/history/chat-1', { method: 'DELETE' })).status).toBe(204);
    expect((await app.request('/api/history/chat-1')).status).toBe(404);
    const prompts = await read<Page<unknown>>(app.request('/api/prompts'));
    expect(prompts.items).toEqual([]);
  });
});

describe('security', () => {
  const token = 'a-long-random-api-token-1234';

  it('requires the bearer token on mutating routes and chat, not on reads', async () => {
    const app = build({ ask: fakeAsk(), config: { apiToken: token } });
    const anonymous = await app.request('/api/chat', json({ prompt: 'cpu' }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('WWW-Authenticate')).toContain('Bearer');
    expect(
      (await app.request('/api/chat', json({ prompt: 'cpu' }, { Authorization: 'Bearer wrong' }))).status,
    ).toBe(401);
    expect(
      (await app.request('/api/chat', json({ prompt: 'cpu' }, { Authorization: `Bearer ${token}` }))).status,
    ).toBe(200);
    expect((await app.request('/targets', json({ name: 'x', url: 'http://x:9090' }))).status).toBe(401);
    expect((await app.request('/agent/email-config', put({ enabled: false, recipients: [] }))).status).toBe(
      401,
    );
    expect((await app.request('/anomalies')).status).toBe(200);
    const errorText = await (await app.request('/targets', { method: 'POST' })).text();
    expect(errorText).not.toContain(token);
  });

  it('protects reads too when asked, except status, health, metrics and the API description', async () => {
    const app = build({ config: { apiToken: token, protectReads: true } });
    expect((await app.request('/anomalies')).status).toBe(401);
    expect((await app.request('/anomalies', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    for (const path of ['/', '/healthz', '/metrics', '/openapi.json']) {
      expect((await app.request(path)).status, path).toBe(200);
    }
  });

  it('refuses bodies over the limit with 413', async () => {
    const app = build({ ask: fakeAsk(), config: { bodyLimitBytes: 1024 } });
    const response = await app.request('/api/chat', json({ prompt: 'x'.repeat(2000) }));
    expect(response.status).toBe(413);
    const body = await read<ErrorBody>(response);
    expect(body.error.code).toBe('payload_too_large');
  });

  it('answers CORS preflights only for configured origins', async () => {
    const app = build({ config: { corsOrigins: ['https://dash.example.com'] } });
    const allowed = await app.request('/anomalies', {
      method: 'OPTIONS',
      headers: { Origin: 'https://dash.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://dash.example.com');
    const other = await app.request('/anomalies', { headers: { Origin: 'https://evil.example.com' } });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await build().request('/nope');
    expect(response.status).toBe(404);
    expect(await read<unknown>(response)).toEqual({
      error: { code: 'not_found', message: 'No route for GET /nope' },
    });
  });
});

describe('GET /metrics', () => {
  it('exposes default, HTTP and event-fed metrics', async () => {
    const events = createEmitter<PromptheusEvents>();
    const app = build({ events });
    await app.request('/anomalies/some-id');
    await app.request('/stats');
    const anomaly = anomalyRecord({ severity: 'critical', detector: 'zscore' });
    events.emit('tick:complete', {
      tick: 1,
      startedAt: 0,
      durationMs: 120,
      samples: 10,
      fired: 1,
      resolved: 0,
      errors: [],
      phases: {},
    });
    events.emit('anomaly:fired', { anomaly });
    events.emit('rca:ready', { anomaly, rca: rcaRecord(anomaly, { source: 'llm' }) });
    events.emit('llm:call', {
      provider: 'gemini',
      model: 'm',
      purpose: 'rca',
      latencyMs: 250,
      usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
      ok: true,
    });
    const response = await app.request('/metrics');
    expect(response.headers.get('Content-Type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(
      /promptheus_http_requests_total\{method="GET",route="\/anomalies\/:id",status="404"\} 1/,
    );
    expect(text).toMatch(/promptheus_http_requests_total\{method="GET",route="\/stats",status="200"\} 1/);
    expect(text).toContain('promptheus_monitor_tick_duration_seconds_count 1');
    expect(text).toContain('promptheus_anomalies_detected_total{severity="critical",detector="zscore"} 1');
    expect(text).toContain('promptheus_rca_total{source="llm"} 1');
    expect(text).toContain('promptheus_llm_tokens_total{provider="gemini",kind="prompt"} 100');
  });
});

describe('GET /openapi.json', () => {
  it('describes every route the app serves', async () => {
    const app = build();
    interface Described {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties: object } }> } }>
      >;
    }
    const document = await read<Described>(app.request('/openapi.json'));
    expect(document.openapi).toBe('3.1.0');
    const described = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) described.add(`${method.toUpperCase()} ${path}`);
    }
    const served = app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(20);
    for (const route of served) expect(described, route).toContain(route);
    expect(
      document.paths['/api/chat']?.['post']?.requestBody?.content['application/json']?.schema.properties,
    ).toHaveProperty('prompt');
  });
});
