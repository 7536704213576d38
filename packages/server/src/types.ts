import type {
  Emitter,
  Notifier,
  PrometheusClient,
  PromptheusEvents,
  Store,
  TickSummary,
  TokenUsage,
} from '@promptheus/core';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';

/** One question for the Ask pipeline, as the server hands it over. */
export interface AskRequest {
  /** The question in plain language. */
  readonly prompt: string;
  /** Continue this chat session; a new one is started when absent. */
  readonly sessionId?: string | null;
  /** Extra context sent by chat-style clients (earlier turns, dashboard state, ...). */
  readonly context?: unknown;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
}

/** What the Ask pipeline answers; the server returns it as JSON. */
export interface AskResponse {
  /** The PromQL that was run; null when the question could not be answered. */
  readonly promql: string | null;
  /** The query result. */
  readonly data: unknown;
  /** Chart specification for the data. */
  readonly layout: unknown;
  /** One to three sentences summarising the data, or why there is no answer. */
  readonly answer: string;
  readonly followups: readonly string[];
  readonly intent: string;
  readonly sessionId: string | null;
  readonly usage: TokenUsage | null;
  /** `offline` or the LLM provider that translated the question. */
  readonly translator?: string | null;
  /** Why the question was not answered, when it was not. */
  readonly error?: unknown;
  /** What the query computes. */
  readonly explanation?: string;
  /** Closest metric names when no metric fits the question. */
  readonly closest?: readonly string[];
  readonly warnings?: readonly string[];
}

/**
 * The Ask pipeline as the server uses it. `createAsk()` from `@promptheus/core` satisfies it;
 * tests can pass any object with an `ask` method.
 */
export interface AskService {
  /** Answers one question. */
  ask(request: AskRequest): Promise<AskResponse>;
  /** Question suggestions for a partial prompt (grounded in the metric catalog). */
  suggest?(
    prompt: string,
    options?: { readonly limit?: number },
  ): Promise<readonly string[]> | readonly string[];
}

/** The monitor as the server uses it (start, stop, state for the status page). */
export interface MonitorHandle {
  /** Starts the loop: a tick now, then one every interval. */
  start(): void | Promise<void>;
  /** Stops the loop and waits for a running tick. */
  stop(): Promise<void>;
  /** Current state, shown on `GET /`. */
  state(): MonitorStateView;
  /** Runs one tick now. */
  tick?(): Promise<unknown>;
}

/** The parts of the monitor's state the status page shows. */
export interface MonitorStateView {
  readonly running: boolean;
  readonly lastTick?: TickSummary | null;
  /** Ticks run since start. */
  readonly ticks?: number;
  /** Anomalies firing now. */
  readonly firing?: number;
  /** Collection health per target. */
  readonly targets?: Readonly<Record<string, unknown>>;
}

/** Result of sending a test notification. */
export interface TestDeliveryResult {
  readonly ok: boolean;
  /** Why delivery failed, without secrets. */
  readonly error?: string | null;
}

/** The alert dispatcher as the server uses it. */
export interface DispatcherHandle {
  /** Starts the delivery worker. */
  start?(): void | Promise<void>;
  /** Stops the delivery worker. */
  stop?(): Promise<void>;
  /** Delivers everything due now (one attempt), used at shutdown. */
  flush?(): Promise<unknown>;
  /** Sends a test message through one channel and reports the outcome. */
  test?(channel: string): Promise<TestDeliveryResult>;
}

/** Security and HTTP settings of the app. */
export interface AppConfig {
  /**
   * When set, mutating routes, `POST /api/chat` and the WebSocket require
   * `Authorization: Bearer <token>` (the WebSocket also accepts `?token=`).
   * @default null
   */
  readonly apiToken?: string | null;
  /** Require the token on read routes too (everything except `/`, `/metrics`, `/openapi.json`, `/healthz`). @default false */
  readonly protectReads?: boolean;
  /** Origins allowed by CORS (and on the WebSocket); `*` allows any. Empty means same-origin only. @default [] */
  readonly corsOrigins?: readonly string[];
  /** Largest accepted request body in bytes. @default 1048576 */
  readonly bodyLimitBytes?: number;
  /** Questions per minute per client on `POST /api/chat`; 0 disables the limit. @default 600 */
  readonly chatRateLimitPerMinute?: number;
  /** Use `X-Forwarded-For` to identify clients (only behind a trusted proxy). @default false */
  readonly trustProxy?: boolean;
  /** The server's public URL, used in links and as an allowed WebSocket origin. @default null */
  readonly publicUrl?: string | null;
  /** The Prometheus URL shown on the status page (credentials removed). @default null */
  readonly prometheusUrl?: string | null;
  /** Monitor interval shown on the status page, in seconds. @default null */
  readonly monitorIntervalSeconds?: number | null;
  /** How long a Prometheus reachability check is reused on `GET /`, in ms. @default 5000 */
  readonly statusCacheMs?: number;
  /**
   * How long answers of read routes (`/anomalies`, `/stats`, ...) are reused, in ms; they are
   * dropped at once after any write through the API and whenever `events` report a change.
   * 0 turns the cache off.
   * @default 1000
   */
  readonly readCacheMs?: number;
}

/** Everything {@link createApp} needs. Only `store` is required; missing parts answer 503. */
export interface AppDependencies {
  readonly store: Store;
  /** Used for the reachability check on `GET /`. */
  readonly prometheus?: PrometheusClient | null;
  /** Answers `POST /api/chat`. */
  readonly ask?: AskService | null;
  readonly monitor?: MonitorHandle | null;
  /** Sends test notifications. */
  readonly dispatcher?: DispatcherHandle | null;
  /** Configured notifiers, for status pages (`email`, `slack`, `webhook`, ...). */
  readonly notifiers?: readonly Notifier[];
  /** Events feeding `/metrics` (and the WebSocket, through `serve`). */
  readonly events?: Emitter<PromptheusEvents> | null;
  /** Metrics registry; created from `events` when absent. */
  readonly metrics?: ServerMetrics | null;
  /** The LLM in use, for the status page; null means offline. */
  readonly llm?: { readonly name: string; readonly model: string } | null;
  readonly config?: AppConfig;
  /** Version reported on `GET /`. @default the package version */
  readonly version?: string;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}
