import type { Anomaly, Emitter, PromptheusEvents, Rca, TickSummary } from '@promptheus/core';

/** One live update inside a {@link LiveBatch}. */
export type LiveEvent =
  | { readonly type: 'anomaly:fired'; readonly anomaly: Anomaly }
  | { readonly type: 'anomaly:resolved'; readonly anomaly: Anomaly }
  | { readonly type: 'rca:ready'; readonly rca: Rca; readonly anomalyId: string }
  | {
      readonly type: 'source:error';
      readonly target: string;
      readonly error: string;
      readonly retryAt: number;
    }
  | ({ readonly type: 'source:recovered' } & PromptheusEvents['source:recovered'])
  | {
      readonly type: 'notification:sent' | 'notification:failed';
      readonly channel: string;
      readonly title: string;
      readonly error?: string;
    }
  | ({ readonly type: 'chat:answered' } & PromptheusEvents['ask:answered']);

/**
 * What WebSocket clients receive: every update of one monitor tick in one message (with the tick
 * summary), and updates between ticks (RCA finishing late, chat answers) batched over a short delay.
 */
export interface LiveBatch {
  readonly type: 'batch';
  /** The tick this batch closes, or null for updates between ticks. */
  readonly tick: TickSummary | null;
  readonly events: readonly LiveEvent[];
  /** Updates dropped because too many queued up before the batch was sent. */
  readonly dropped: number;
  readonly sentAt: number;
}

/** Options of {@link createLiveHub}. */
export interface LiveHubOptions {
  readonly events: Emitter<PromptheusEvents>;
  /** Delay before updates between ticks are sent, in ms. @default 100 */
  readonly flushDelayMs?: number;
  /** Longest a tick may hold updates back before they are sent anyway, in ms. @default 5000 */
  readonly maxHoldMs?: number;
  /** Most updates kept in one batch; older ones are dropped and counted. @default 500 */
  readonly maxBatchEvents?: number;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/** Turns Promptheus events into serialised batches for WebSocket clients. */
export interface LiveHub {
  /** Receives every serialised {@link LiveBatch}; returns a function that unsubscribes. */
  subscribe(listener: (message: string) => void): () => void;
  /** Number of subscribers. */
  readonly size: number;
  /** Sends whatever is queued now. */
  flush(): void;
  /** Stops listening to events and drops subscribers. */
  close(): void;
}

/**
 * Creates the hub that batches live updates per monitor tick: updates between `tick:start` and
 * `tick:complete` go out in one message together with the tick summary.
 *
 * @example
 * ```ts
 * const hub = createLiveHub({ events });
 * const off = hub.subscribe((message) => socket.send(message));
 * ```
 */
export function createLiveHub(options: LiveHubOptions): LiveHub {
  const flushDelayMs = options.flushDelayMs ?? 100;
  const maxHoldMs = options.maxHoldMs ?? 5000;
  const maxBatchEvents = options.maxBatchEvents ?? 500;
  const clock = options.clock ?? Date.now;
  const listeners = new Set<(message: string) => void>();
  let queue: LiveEvent[] = [];
  let dropped = 0;
  let inTick = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const send = (tick: TickSummary | null) => {
    clearTimer();
    if (queue.length === 0 && tick === null) return;
    const batch: LiveBatch = { type: 'batch', tick, events: queue, dropped, sentAt: clock() };
    queue = [];
    dropped = 0;
    if (listeners.size === 0) return;
    const message = JSON.stringify(batch);
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch {
        listeners.delete(listener);
      }
    }
  };

  const schedule = (delayMs: number) => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      inTick = false;
      send(null);
    }, delayMs);
    timer.unref?.();
  };

  const push = (event: LiveEvent) => {
    queue.push(event);
    if (queue.length > maxBatchEvents) {
      const excess = queue.length - maxBatchEvents;
      queue.splice(0, excess);
      dropped += excess;
    }
    schedule(inTick ? maxHoldMs : flushDelayMs);
  };

  const events = options.events;
  const unsubscribe = [
    events.on('tick:start', () => {
      // Updates queued before the tick go out with it; the hold timer guards against a lost tick:complete.
      inTick = true;
      clearTimer();
      schedule(maxHoldMs);
    }),
    events.on('tick:complete', (summary) => {
      inTick = false;
      send(summary);
    }),
    events.on('anomaly:fired', ({ anomaly }) => push({ type: 'anomaly:fired', anomaly })),
    events.on('anomaly:resolved', ({ anomaly }) => push({ type: 'anomaly:resolved', anomaly })),
    events.on('rca:ready', ({ rca, anomaly }) => push({ type: 'rca:ready', rca, anomalyId: anomaly.id })),
    events.on('source:error', ({ target, error, retryAt }) =>
      push({ type: 'source:error', target, error, retryAt }),
    ),
    events.on('source:recovered', ({ target, downForMs }) =>
      push({ type: 'source:recovered', target, downForMs }),
    ),
    events.on('notification:sent', ({ notification }) =>
      push({ type: 'notification:sent', channel: notification.channel, title: notification.payload.title }),
    ),
    events.on('notification:failed', ({ notification, error }) =>
      push({
        type: 'notification:failed',
        channel: notification.channel,
        title: notification.payload.title,
        error,
      }),
    ),
    events.on('ask:answered', (answer) => push({ type: 'chat:answered', ...answer })),
  ];

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get size() {
      return listeners.size;
    },
    flush() {
      send(null);
    },
    close() {
      clearTimer();
      for (const off of unsubscribe) off();
      listeners.clear();
      queue = [];
    },
  };
}
