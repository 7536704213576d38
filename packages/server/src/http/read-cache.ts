import type { Emitter, PromptheusEvents } from '@promptheus/core';
import type { MiddlewareHandler } from 'hono';

/** Options of {@link createReadCache}. */
export interface ReadCacheOptions {
  /** How long an answer is reused, in ms; 0 turns the cache off. @default 1000 */
  readonly ttlMs?: number;
  /** Most answers kept; the oldest are dropped first. @default 500 */
  readonly maxEntries?: number;
  /** Largest answer kept, in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Events that mean stored data changed (ticks, anomalies, RCA, notifications, questions). */
  readonly events?: Emitter<PromptheusEvents> | null;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/** A short-lived cache of read answers, dropped whenever data changes. */
export interface ReadCache {
  /** Middleware for the GET routes to cache. */
  readonly middleware: MiddlewareHandler;
  /** Forgets every answer (called after every write through the API). */
  invalidate(): void;
  /** Stops listening to events. */
  dispose(): void;
}

interface Entry {
  readonly generation: number;
  readonly expiresAt: number;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** Events after which stored records may differ. */
const changeEvents = [
  'tick:complete',
  'anomaly:fired',
  'anomaly:resolved',
  'rca:ready',
  'notification:sent',
  'notification:failed',
  'ask:answered',
] as const satisfies ReadonlyArray<keyof PromptheusEvents>;

/**
 * Creates a cache for read endpoints. A dashboard polling `/anomalies` every second from many
 * browsers then costs one store query per second, not one per browser. Answers are reused for at
 * most `ttlMs`, and never after a write through the API or an event saying stored data changed
 * (a monitor tick, an anomaly, an RCA, a notification, a question), so a client never reads its
 * own writes stale. Concurrent misses for the same URL share one computation.
 */
export function createReadCache(options: ReadCacheOptions = {}): ReadCache {
  const ttlMs = options.ttlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 500;
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<void>>();
  let generation = 0;

  const invalidate = () => {
    generation++;
    entries.clear();
  };
  const unsubscribe = options.events ? changeEvents.map((name) => options.events!.on(name, invalidate)) : [];

  // A plain Response (not context.body) keeps @hono/node-server on its fast path.
  const respond = (entry: Entry) =>
    new Response(entry.body as Uint8Array<ArrayBuffer>, {
      headers: { 'Content-Type': entry.contentType, 'X-Cache': 'hit' },
    });

  const middleware: MiddlewareHandler = async (context, next) => {
    if (ttlMs <= 0 || context.req.method !== 'GET') return next();
    const key = context.req.url;
    const cached = entries.get(key);
    if (cached && cached.generation === generation && cached.expiresAt > clock()) return respond(cached);
    const inflight = pending.get(key);
    if (inflight) {
      await inflight;
      const shared = entries.get(key);
      if (shared && shared.generation === generation) return respond(shared);
    }
    const started = generation;
    let release: () => void = () => {};
    pending.set(
      key,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    try {
      await next();
      const response = context.res;
      const contentType = response.headers.get('Content-Type') ?? '';
      if (response.status !== 200 || !contentType.startsWith('application/json') || started !== generation)
        return;
      const body = new Uint8Array(await response.clone().arrayBuffer());
      if (body.byteLength > maxBodyBytes) return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { generation: started, expiresAt: clock() + ttlMs, body, contentType });
    } finally {
      pending.delete(key);
      release();
    }
  };

  return {
    middleware,
    invalidate,
    dispose() {
      for (const off of unsubscribe) off();
      entries.clear();
    },
  };
}
