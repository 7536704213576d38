import { errorMessage, type Notifier, type NotifierStatus, PromptheusError } from '@promptheus/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import { integerParam, parseQuery } from '../http/input.js';
import type { RouteContext } from './context.js';

/** Whether Prometheus answered the last reachability check. */
export interface PrometheusReachability {
  readonly url: string | null;
  readonly reachable: boolean;
  /** Prometheus's version, when it reports one. */
  readonly version: string | null;
  /** Why it is unreachable. */
  readonly error: string | null;
  readonly checkedAt: number;
}

/** Checks Prometheus at most once per `cacheMs`; a stale answer is served while a new check runs. */
export function createReachabilityCheck(context: RouteContext): () => Promise<PrometheusReachability | null> {
  const { prometheus, clock } = context;
  const cacheMs = context.config.statusCacheMs;
  const url = context.config.prometheusUrl;
  let cached: PrometheusReachability | null = null;
  let pending: Promise<PrometheusReachability> | null = null;

  const check = async (): Promise<PrometheusReachability> => {
    if (!prometheus)
      return { url, reachable: false, version: null, error: 'not configured', checkedAt: clock() };
    try {
      const info = await prometheus.buildInfo({ timeoutMs: 2000 });
      return { url, reachable: true, version: info['version'] ?? null, error: null, checkedAt: clock() };
    } catch (error) {
      // An API error answer (e.g. a Prometheus-compatible server without buildinfo) still means it is up.
      const answered = PromptheusError.hasCode(error, 'prometheus');
      return {
        url,
        reachable: answered,
        version: null,
        error: answered ? null : errorMessage(error),
        checkedAt: clock(),
      };
    }
  };

  return async () => {
    if (!prometheus && !url) return null;
    if (cached && clock() - cached.checkedAt < cacheMs) return cached;
    if (!pending) {
      pending = check().then((result) => {
        cached = result;
        pending = null;
        return result;
      });
    }
    return cached ?? pending;
  };
}

async function notifierStatus(notifier: Notifier | undefined): Promise<NotifierStatus> {
  if (!notifier) return { enabled: false, configured: false };
  if (!notifier.status) return { enabled: true, configured: true };
  try {
    const status = await notifier.status();
    return { enabled: status.enabled, configured: status.configured, detail: status.detail };
  } catch (error) {
    return { enabled: false, configured: false, detail: errorMessage(error) };
  }
}

/** Status of every configured notifier, by name. */
export async function notifierStatuses(context: RouteContext): Promise<Record<string, NotifierStatus>> {
  const entries = await Promise.all(
    context.notifiers.map(async (notifier) => [notifier.name, await notifierStatus(notifier)] as const),
  );
  return Object.fromEntries(entries);
}

function monitorView(context: RouteContext) {
  const monitor = context.monitor;
  if (!monitor) {
    return {
      enabled: false,
      running: false,
      intervalSeconds: null,
      ticks: 0,
      firing: null,
      lastTick: null,
      targets: {},
    };
  }
  let state: ReturnType<typeof monitor.state> | null = null;
  try {
    state = monitor.state();
  } catch (error) {
    context.logger.warn('monitor state failed', { error: errorMessage(error) });
  }
  return {
    enabled: true,
    running: state?.running ?? false,
    intervalSeconds: context.config.monitorIntervalSeconds,
    ticks: state?.ticks ?? 0,
    firing: state?.firing ?? null,
    lastTick: state?.lastTick ?? null,
    targets: state?.targets ?? {},
  };
}

/** `GET /`, `GET /healthz`, `GET /stats`, `GET /prom-metrics`, `GET /metrics`. */
export function registerStatusRoutes(app: Hono, context: RouteContext): void {
  const { store } = context;
  const reachability = createReachabilityCheck(context);

  app.get('/', async (c) => {
    const [prometheus, notifiers] = await Promise.all([reachability(), notifierStatuses(context)]);
    const monitor = monitorView(context);
    const email = notifiers['email'] ?? { enabled: false, configured: false };
    const slack = notifiers['slack'] ?? { enabled: false, configured: false };
    const degraded = prometheus !== null && !prometheus.reachable;
    return c.json({
      name: 'promptheus',
      version: context.version,
      status: degraded ? 'degraded' : 'ok',
      uptimeSeconds: Math.round((context.clock() - context.startedAt) / 1000),
      prometheus,
      store: { kind: store.kind },
      llm: context.llm
        ? { mode: 'llm', provider: context.llm.name, model: context.llm.model }
        : { mode: 'offline', provider: null, model: null },
      email: { enabled: email.enabled && email.configured },
      slack: { enabled: slack.enabled && slack.configured },
      notifiers,
      monitor,
      auth: { required: context.config.apiToken !== null, protectReads: context.config.protectReads },
    });
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/stats', async (c) => {
    const [snapshots, anomalies, firing, rca, chatSessions, prompts, pending, failed, delivered, targets] =
      await Promise.all([
        store.snapshots.count(),
        store.anomalies.count(),
        store.anomalies.count({ status: 'firing' }),
        store.rca.count(),
        store.chatSessions.count(),
        store.promptHistory.count(),
        store.outbox.count({ status: 'pending' }),
        store.outbox.count({ status: 'failed' }),
        store.outbox.count({ status: 'delivered' }),
        store.targets.list(),
      ]);
    return c.json({
      snapshots,
      anomalies,
      firing,
      rca,
      chatSessions,
      prompts,
      targets: targets.length,
      notifications: { pending, failed, delivered },
    });
  });

  const snapshotQuery = z.object({
    limit: integerParam({ min: 1, max: 100, default: 10 }),
    offset: integerParam({ min: 0, max: 1_000_000, default: 0 }),
  });
  app.get('/prom-metrics', async (c) => {
    const { limit, offset } = parseQuery(c, snapshotQuery);
    const [items, total] = await Promise.all([
      store.snapshots.list({ limit, offset }),
      store.snapshots.count(),
    ]);
    return c.json({ items, total, limit, offset });
  });

  app.get('/metrics', async (c) => {
    const text = await context.metrics.render();
    return c.body(text, 200, { 'Content-Type': context.metrics.contentType });
  });
}
