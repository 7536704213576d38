/**
 * The Promptheus reference server: a Hono app with the REST API, a WebSocket for live updates,
 * `/metrics`, env configuration and the `promptheus` CLI.
 *
 * @packageDocumentation
 * @module @promptheus/server
 */
export { createApp, DEFAULT_APP_CONFIG } from './app.js';
export { createAskService } from './ask-service.js';
export type { Env, ServerConfig } from './config.js';
export { configWarnings, isLoopback, loadConfig } from './config.js';
export { type ServerDetectorsOptions, serverDetectors } from './detectors.js';
export type { PromptheusServer, ServerFromEnvOptions } from './from-env.js';
export { createServerFromEnv } from './from-env.js';
export { bearerToken, tokenMatches } from './http/auth.js';
export type { ApiErrorBody, ApiErrorCode, FieldError } from './http/errors.js';
export { HttpError, toErrorResponse } from './http/errors.js';
export type { RateLimitDecision, RateLimiter, RateLimiterOptions } from './http/rate-limit.js';
export { createRateLimiter } from './http/rate-limit.js';
export type { LiveBatch, LiveEvent, LiveHub, LiveHubOptions } from './live.js';
export { createLiveHub } from './live.js';
export type { LogFields, Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, redactUrl, silentLogger } from './logger.js';
export type { ServerMetrics, ServerMetricsOptions } from './metrics.js';
export { createServerMetrics } from './metrics.js';
export type { OpenApiOptions } from './openapi.js';
export { buildOpenApiDocument } from './openapi.js';
export type { RunningServer, ServeOptions } from './serve.js';
export { serve } from './serve.js';
export type {
  AppConfig,
  AppDependencies,
  AskRequest,
  AskResponse,
  AskService,
  DispatcherHandle,
  MonitorHandle,
  MonitorStateView,
  TestDeliveryResult,
} from './types.js';
export type { UiRoutesOptions } from './ui/routes.js';
export { createUiRoutes, dashboardContentSecurityPolicy } from './ui/routes.js';
export type { AttachedWebSocket, WebSocketOptions } from './websocket.js';
export { attachWebSocket, WEBSOCKET_PROTOCOL } from './websocket.js';
