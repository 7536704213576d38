import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type Ask,
  createAlertDispatcher,
  createAnalyst,
  createAsk,
  createEmitter,
  createMonitor,
  createPrometheusClient,
  createPrometheusSource,
  createStoreTargets,
  errorMessage,
  type LlmProvider,
  type Notifier,
  PromptheusError,
  type PromptheusEvents,
  type Store,
} from '@promptheus/core';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { createAskService } from './ask-service.js';
import { configWarnings, type Env, isLoopback, loadConfig, type ServerConfig } from './config.js';
import { serverDetectors } from './detectors.js';
import { createLiveHub, type LiveHub } from './live.js';
import { createLogger, type Logger, redactUrl } from './logger.js';
import { createServerMetrics } from './metrics.js';
import { type RunningServer, serve } from './serve.js';
import type { AskService, MonitorHandle } from './types.js';

/** Options of {@link createServerFromEnv}. */
export interface ServerFromEnvOptions {
  /** Where log lines go. @default a logger at `LOG_LEVEL` writing to stderr */
  readonly logger?: Logger;
  /** Directory relative paths (`DATA_DIR`, `SQLITE_PATH`) are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/** A server assembled from the environment, ready to listen. */
export interface PromptheusServer {
  readonly config: ServerConfig;
  readonly app: Hono;
  readonly store: Store;
  readonly events: ReturnType<typeof createEmitter<PromptheusEvents>>;
  readonly llm: LlmProvider | null;
  readonly hub: LiveHub;
  readonly logger: Logger;
  /** Starts the monitor and the alert delivery worker, and binds `HOST:PORT`. */
  listen(): Promise<RunningServer>;
  /**
   * Graceful shutdown: stops the monitor (waiting for a running tick), makes one delivery attempt
   * for the outbox, stops the delivery worker, closes connections and the store. Safe to call twice.
   */
  close(): Promise<void>;
}

async function openStore(config: ServerConfig, logger: Logger): Promise<Store> {
  if (config.mongo) {
    const { createMongoStore } = await import('@promptheus/storage-mongo');
    logger.info('store: MongoDB', { uri: redactUrl(config.mongo.uri), db: config.mongo.dbName });
    // Answer 503 within seconds when MongoDB is down, unless the URI chooses its own timeout.
    const clientOptions = /serverSelectionTimeoutMS=/i.test(config.mongo.uri)
      ? {}
      : { serverSelectionTimeoutMS: 5000 };
    return createMongoStore(
      { uri: config.mongo.uri, dbName: config.mongo.dbName, clientOptions },
      { maxDocs: config.maxDocs },
    );
  }
  const { createSqliteStore } = await import('@promptheus/storage-sqlite');
  if (config.sqlitePath !== ':memory:') {
    try {
      mkdirSync(dirname(config.sqlitePath), { recursive: true });
    } catch (error) {
      throw new PromptheusError(
        'config',
        `Cannot create the data directory ${dirname(config.sqlitePath)} (DATA_DIR / SQLITE_PATH): ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
  logger.info('store: SQLite', { path: config.sqlitePath });
  return createSqliteStore({ path: config.sqlitePath }, { maxDocs: config.maxDocs });
}

async function createLlm(config: ServerConfig, logger: Logger): Promise<LlmProvider | null> {
  const { createProviderFromEnv } = await import('@promptheus/llm');
  const llm = createProviderFromEnv(config.env);
  if (llm) logger.info('LLM', { provider: llm.name, model: llm.model });
  else logger.info('LLM: none configured (set GEMINI_API_KEY or LLM_URL); using the offline translator');
  return llm;
}

async function createNotifiers(config: ServerConfig, store: Store): Promise<Notifier[]> {
  const { emailNotifierFromEnv, slackNotifierFromEnv, createWebhookNotifier } = await import(
    '@promptheus/notifiers'
  );
  const serverUrl = config.publicUrl ?? undefined;
  const linkOptions = serverUrl ? { serverUrl } : {};
  const notifiers: Notifier[] = [
    emailNotifierFromEnv(config.env, { recipients: store, ...linkOptions }),
    slackNotifierFromEnv(config.env, linkOptions),
  ];
  if (config.webhookUrl) notifiers.push(createWebhookNotifier({ url: config.webhookUrl, ...linkOptions }));
  return notifiers;
}

/**
 * Assembles the whole server from environment variables (see the package README for every
 * variable): SQLite under `DATA_DIR` by default, MongoDB when `MONGO_URI` is set; Gemini when
 * `GEMINI_API_KEY` is set, Ollama when `LLM_URL` is set, the offline translator otherwise; email,
 * Slack and webhook notifiers; the monitor on `PROMETHEUS_URL` (or the targets saved in the store).
 * Fails with a `config` error naming each bad variable.
 *
 * @example
 * ```ts
 * const server = await createServerFromEnv(process.env);
 * const running = await server.listen();
 * console.log(`listening on ${running.url}`);
 * process.once('SIGTERM', () => server.close());
 * ```
 */
export async function createServerFromEnv(
  env: Env = process.env,
  options: ServerFromEnvOptions = {},
): Promise<PromptheusServer> {
  const config = loadConfig(env, options.cwd === undefined ? {} : { cwd: options.cwd });
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  for (const warning of configWarnings(config)) logger.warn(warning);

  const events = createEmitter<PromptheusEvents>({
    onListenerError: (error, name) =>
      logger.error('event listener failed', { event: String(name), error: errorMessage(error) }),
  });
  events.on('error', ({ source, error }) =>
    logger.warn('background error', { source, error: errorMessage(error) }),
  );
  events.on('source:error', ({ target, error, consecutiveFailures }) =>
    logger.warn('collection failed', { target, error, consecutiveFailures }),
  );
  events.on('source:recovered', ({ target, downForMs }) =>
    logger.info('target recovered', { target, downForMs }),
  );
  events.on('anomaly:fired', ({ anomaly }) =>
    logger.info('anomaly fired', { id: anomaly.id, metric: anomaly.metric, severity: anomaly.severity }),
  );
  events.on('notification:failed', ({ notification, error, willRetry }) =>
    logger.warn('notification failed', { channel: notification.channel, error, willRetry }),
  );

  const store = await openStore(config, logger);
  const closeStoreOnError = async (error: unknown): Promise<never> => {
    await store.close().catch(() => {});
    throw error;
  };

  let llm: LlmProvider | null;
  let notifiers: Notifier[];
  try {
    llm = await createLlm(config, logger);
    notifiers = await createNotifiers(config, store);
  } catch (error) {
    return closeStoreOnError(error);
  }

  const dispatcher = createAlertDispatcher({ store, notifiers, events, serverUrl: config.publicUrl });
  const prometheus = createPrometheusClient({ url: config.prometheusUrl, timeoutMs: 15_000 });
  const assistant: Ask = createAsk({ prometheus, store, llm, events });
  const ask: AskService = createAskService(assistant);
  let monitor: MonitorHandle | null = null;
  if (config.monitor.enabled) {
    const source = createPrometheusSource({
      targets: createStoreTargets({
        store,
        fallbackUrl: config.prometheusUrl,
        onError: (error) => logger.warn('reading targets failed', { error: errorMessage(error) }),
      }),
    });
    monitor = createMonitor({
      source,
      detectors: serverDetectors({ zThreshold: config.monitor.zThreshold }),
      store,
      analyst: createAnalyst({ llm, store, events }),
      dispatcher,
      interval: config.monitor.intervalSeconds,
      events,
    });
  }

  const metrics = createServerMetrics({ events });
  const hub = createLiveHub({ events });
  const app = createApp({
    store,
    prometheus,
    ask,
    monitor,
    dispatcher,
    notifiers,
    events,
    metrics,
    llm: llm ? { name: llm.name, model: llm.model } : null,
    logger,
    config: {
      apiToken: config.apiToken,
      protectReads: config.protectReads,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
      chatRateLimitPerMinute: config.chatRateLimitPerMinute,
      trustProxy: config.trustProxy,
      readCacheMs: config.readCacheMs,
      publicUrl: config.publicUrl,
      prometheusUrl: redactUrl(config.prometheusUrl),
      monitorIntervalSeconds: config.monitor.enabled ? config.monitor.intervalSeconds : null,
    },
  });

  let running: RunningServer | null = null;
  let closing: Promise<void> | null = null;

  return {
    config,
    app,
    store,
    events,
    llm,
    hub,
    logger,
    async listen() {
      if (running) return running;
      running = await serve({
        app,
        port: config.port,
        hostname: config.host,
        logger,
        websocket: {
          hub,
          apiToken: config.apiToken,
          allowedOrigins: [
            ...config.corsOrigins,
            ...(config.publicUrl ? [new URL(config.publicUrl).origin] : []),
          ],
          onClientCount: (count) => metrics.setWebSocketClients(count),
        },
      });
      dispatcher.start();
      await monitor?.start();
      if (!isLoopback(config.host) && config.apiToken === null) {
        logger.warn(`listening on ${config.host} without API_TOKEN`);
      }
      return running;
    },
    close() {
      closing ??= (async () => {
        const step = async (what: string, action: () => Promise<unknown> | unknown) => {
          try {
            await action();
          } catch (error) {
            logger.warn(`shutdown: ${what} failed`, { error: errorMessage(error) });
          }
        };
        if (monitor) {
          const stopping = monitor;
          await step('stopping the monitor', () => stopping.stop());
        }
        await step('delivering the outbox', () => dispatcher.flush());
        await step('stopping alert delivery', () => dispatcher.stop());
        await step('closing connections', () => running?.close());
        hub.close();
        assistant.close();
        metrics.dispose();
        await step('closing the store', () => store.close());
      })();
      return closing;
    },
  };
}
