/**
 * The Promptheus reference server: a Hono app with the REST API, a WebSocket for live updates,
 * `/metrics`, env configuration and the `promptheus` CLI.
 *
 * @packageDocumentation
 */
export { createApp, DEFAULT_APP_CONFIG } from './app.js';
export { bearerToken, tokenMatches } from './http/auth.js';
export type { ApiErrorBody, ApiErrorCode, FieldError } from './http/errors.js';
export { HttpError, toErrorResponse } from './http/errors.js';
export type { RateLimitDecision, RateLimiter, RateLimiterOptions } from './http/rate-limit.js';
export { createRateLimiter } from './http/rate-limit.js';
export type { LogFields, Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, redactUrl, silentLogger } from './logger.js';
export type { ServerMetrics, ServerMetricsOptions } from './metrics.js';
export { createServerMetrics } from './metrics.js';
export type { OpenApiOptions } from './openapi.js';
export { buildOpenApiDocument } from './openapi.js';
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
