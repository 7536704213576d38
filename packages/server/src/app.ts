import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors as corsMiddleware } from 'hono/cors';
import { matchedRoutes } from 'hono/route';
import { version as packageVersion } from '../package.json';
import { bearerToken, tokenMatches } from './http/auth.js';
import { HttpError, toErrorResponse } from './http/errors.js';
import { createRateLimiter } from './http/rate-limit.js';
import { createReadCache } from './http/read-cache.js';
import { silentLogger } from './logger.js';
import { createServerMetrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerAgentRoutes } from './routes/agent.js';
import { registerAnomalyRoutes } from './routes/anomalies.js';
import { registerChatRoutes } from './routes/chat.js';
import type { RouteContext } from './routes/context.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerTargetRoutes } from './routes/targets.js';
import type { AppConfig, AppDependencies } from './types.js';
import { createUiRoutes } from './ui/routes.js';

/** Default settings of {@link createApp}. */
export const DEFAULT_APP_CONFIG: Required<AppConfig> = {
  apiToken: null,
  protectReads: false,
  corsOrigins: [],
  bodyLimitBytes: 1_048_576,
  chatRateLimitPerMinute: 600,
  trustProxy: false,
  publicUrl: null,
  prometheusUrl: null,
  monitorIntervalSeconds: null,
  statusCacheMs: 5000,
  readCacheMs: 1000,
};

/** Read routes whose answers {@link createReadCache} may reuse. */
const cachedReadPath =
  /^\/(?:stats|prom-metrics|rca|anomalies(?:\/[^/]+)?|silences(?:\/[^/]+)?|targets(?:\/[^/]+)?|api\/history(?:\/[^/]+)?|api\/prompts|agent\/email-config)$/;

/** Routes that never require the API token, even with `protectReads`. */
const publicPaths = new Set(['/', '/healthz', '/metrics', '/openapi.json']);
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const bodylessMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The route pattern that answered (`/anomalies/:id`, `/ui/*`), for metrics; never the raw path. */
function routeOf(context: Context): string {
  const routes = matchedRoutes(context);
  for (let index = routes.length - 1; index >= 0; index--) {
    const route = routes[index]!;
    if (route.method !== 'ALL' || (route.path !== '*' && route.path !== '/*')) return route.path;
  }
  return 'unmatched';
}

/**
 * Creates the Promptheus HTTP API as a Hono app. Everything it uses is passed in, so tests call
 * `app.request()` with a memory store and fakes, and embedders mount it in their own server.
 *
 * Errors are JSON `{ error: { code, message, details? } }`: 400 with field errors for invalid input,
 * 401 without the API token, 404, 409, 413, 429, 502/503 when a dependency fails. Never a stack trace.
 *
 * @example
 * ```ts
 * import { createMemoryStore } from '@promptheus/core';
 * import { createApp } from '@promptheus/server';
 *
 * const app = createApp({ store: createMemoryStore() });
 * const response = await app.request('/stats');
 * console.log(await response.json()); // { snapshots: 0, anomalies: 0, ... }
 * ```
 */
export function createApp(dependencies: AppDependencies): Hono {
  const clock = dependencies.clock ?? Date.now;
  const config: Required<AppConfig> = { ...DEFAULT_APP_CONFIG };
  for (const [key, value] of Object.entries(dependencies.config ?? {})) {
    if (value !== undefined) (config as Record<string, unknown>)[key] = value;
  }
  const logger = dependencies.logger ?? silentLogger;
  const metrics =
    dependencies.metrics ??
    createServerMetrics({ ...(dependencies.events ? { events: dependencies.events } : {}) });
  const context: RouteContext = {
    store: dependencies.store,
    prometheus: dependencies.prometheus ?? null,
    ask: dependencies.ask ?? null,
    monitor: dependencies.monitor ?? null,
    dispatcher: dependencies.dispatcher ?? null,
    notifiers: dependencies.notifiers ?? [],
    events: dependencies.events ?? null,
    metrics,
    llm: dependencies.llm ?? null,
    config,
    version: dependencies.version ?? packageVersion,
    logger,
    clock,
    startedAt: clock(),
  };

  const app = new Hono();

  const renderError = (c: Context, error: unknown): Response => {
    const { status, body, unexpected } = toErrorResponse(error);
    if (unexpected) {
      logger.error('request failed', {
        method: c.req.method,
        route: routeOf(c),
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return c.json(body, status as 400);
  };
  app.onError((error, c) => renderError(c, error));

  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  const token = config.apiToken;
  const authorized = (c: Context, reading: boolean): boolean => {
    if (!token) return true;
    const path = c.req.path;
    if (
      reading &&
      (!config.protectReads || publicPaths.has(path) || path === '/ui' || path.startsWith('/ui/'))
    ) {
      return true;
    }
    return tokenMatches(token, bearerToken(c.req.header('authorization')));
  };

  const limit = config.bodyLimitBytes;
  const limitBody = bodyLimit({
    maxSize: limit,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', `The request body is larger than ${limit} bytes`, {
        limitBytes: limit,
      });
    },
  });
  const readCache = createReadCache({ ttlMs: config.readCacheMs, events: context.events, clock });

  /**
   * Everything that runs before a route, in one step (each extra middleware layer costs a few µs
   * per request): the token check, the body limit on requests that carry a body (reading `body`
   * materialises the request, so reads skip it), the read cache, and dropping the read cache after
   * a write.
   */
  const guard = async (c: Context, next: () => Promise<void>): Promise<Response | undefined> => {
    const method = c.req.method;
    const reading = bodylessMethods.has(method);
    if (!authorized(c, reading)) {
      c.header('WWW-Authenticate', 'Bearer realm="promptheus"');
      return renderError(
        c,
        new HttpError(
          401,
          'unauthorized',
          'Missing or wrong API token: send Authorization: Bearer <API_TOKEN>',
        ),
      );
    }
    if (reading) {
      if (method === 'GET' && cachedReadPath.test(c.req.path))
        return (await readCache.middleware(c, next)) ?? undefined;
      await next();
      return undefined;
    }
    try {
      await limitBody(c, next);
    } finally {
      readCache.invalidate();
    }
    return undefined;
  };

  let cors: MiddlewareHandler | null = null;
  if (config.corsOrigins.length > 0) {
    const any = config.corsOrigins.includes('*');
    const allowed = new Set(config.corsOrigins);
    cors = corsMiddleware({
      origin: (origin) => (any ? '*' : allowed.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }

  app.use('*', async (c, next) => {
    const started = performance.now();
    let response: Response | undefined;
    try {
      if (cors) {
        const preflight = await cors(c, async () => {
          const early = await guard(c, next);
          if (early) c.res = early;
        });
        if (preflight instanceof Response) response = preflight;
      } else {
        response = await guard(c, next);
      }
    } catch (error) {
      response = renderError(c, error);
    }
    const method = knownMethods.has(c.req.method) ? c.req.method : 'OTHER';
    metrics.observeRequest(
      method,
      routeOf(c),
      (response ?? c.res).status,
      (performance.now() - started) / 1000,
    );
    return response;
  });

  // The dashboard page is static and public (the token check lets its reads through); its API calls carry the token.
  // Mounted (not merged into this router) so its pattern routes keep the app on Hono's fast RegExpRouter;
  // `/ui` (redirect) and `/ui/` (the page) stay distinct for the dashboard's own routes.
  app.mount('/ui', createUiRoutes().fetch, {
    replaceRequest: (request) => {
      const url = new URL(request.url);
      const rest = url.pathname.slice('/ui'.length);
      url.pathname = rest === '' ? '/' : rest === '/' ? '/index.html' : rest;
      return new Request(url, request);
    },
  });

  const clientKey = (c: Context): string => {
    if (config.trustProxy) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'local';
    }
  };
  const rateLimiter =
    config.chatRateLimitPerMinute > 0
      ? createRateLimiter({ limit: config.chatRateLimitPerMinute, windowMs: 60_000, clock })
      : null;

  registerStatusRoutes(app, context);
  registerAnomalyRoutes(app, context);
  registerTargetRoutes(app, context);
  registerAgentRoutes(app, context);
  registerChatRoutes(app, context, { rateLimiter, clientKey });

  let openApi: string | null = null;
  app.get('/openapi.json', (c) => {
    openApi ??= JSON.stringify(buildOpenApiDocument({ version: context.version }));
    return c.body(openApi, 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });

  return app;
}
