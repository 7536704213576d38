/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Requests allowed per window for one client (the bucket size). */
  readonly limit: number;
  /** Window in ms over which `limit` requests are refilled. @default 60000 */
  readonly windowMs?: number;
  /** Most clients tracked at once; the least recently seen are forgotten first. @default 10000 */
  readonly maxClients?: number;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/** Outcome of one {@link RateLimiter.take}. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Requests left right now. */
  readonly remaining: number;
  /** Seconds until one more request is allowed (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/** A per-client token bucket. */
export interface RateLimiter {
  /** Takes one request from the client's bucket. */
  take(client: string): RateLimitDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Creates a token-bucket rate limiter: each client may burst up to `limit` requests, refilled
 * evenly over `windowMs`.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ limit: 30, windowMs: 60_000 });
 * if (!limiter.take(clientAddress).allowed) return new Response(null, { status: 429 });
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const limit = Math.max(1, options.limit);
  const windowMs = options.windowMs ?? 60_000;
  const maxClients = options.maxClients ?? 10_000;
  const clock = options.clock ?? Date.now;
  const refillPerMs = limit / windowMs;
  const buckets = new Map<string, Bucket>();

  return {
    take(client) {
      const now = clock();
      let bucket = buckets.get(client);
      if (bucket) {
        buckets.delete(client);
        bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
        bucket.updatedAt = now;
      } else {
        bucket = { tokens: limit, updatedAt: now };
        if (buckets.size >= maxClients) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
      }
      buckets.set(client, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
      }
      return {
        allowed: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)),
      };
    },
  };
}
