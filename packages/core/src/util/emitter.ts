/** A listener of event `Name` in the event map `Events`. */
export type Listener<Payload> = (payload: Payload) => void;

/** A small typed event emitter. Listener errors are caught and reported, never thrown into the emitter. */
export interface Emitter<Events extends object> {
  /** Subscribes; returns a function that unsubscribes. */
  on<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): () => void;
  /** Unsubscribes a listener added with `on`. */
  off<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): void;
  /** Subscribes to every event; returns a function that unsubscribes. */
  onAny(listener: <Name extends keyof Events>(name: Name, payload: Events[Name]) => void): () => void;
  /** Calls every listener of the event (and every `onAny` listener) with the payload. */
  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void;
  /** Number of listeners of an event (including `onAny` listeners). */
  listenerCount(name: keyof Events): number;
}

/** Options of {@link createEmitter}. */
export interface CreateEmitterOptions {
  /** Called when a listener throws. @default writes the error to stderr */
  readonly onListenerError?: (error: unknown, name: PropertyKey) => void;
}

/**
 * Creates a typed event emitter.
 *
 * @example
 * ```ts
 * const events = createEmitter<PromptheusEvents>();
 * events.on('anomaly:fired', ({ anomaly }) => console.log(anomaly.reason));
 * ```
 */
export function createEmitter<Events extends object>(options: CreateEmitterOptions = {}): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  const anyListeners = new Set<<Name extends keyof Events>(name: Name, payload: Events[Name]) => void>();
  const onListenerError =
    options.onListenerError ??
    ((error: unknown, name: PropertyKey) => {
      process.stderr.write(`promptheus: listener of ${String(name)} threw: ${String(error)}\n`);
    });

  const safely = (name: PropertyKey, call: () => void) => {
    try {
      call();
    } catch (error) {
      onListenerError(error, name);
    }
  };

  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as Listener<never>);
      return () => this.off(name, listener);
    },
    off(name, listener) {
      listeners.get(name)?.delete(listener as Listener<never>);
    },
    onAny(listener) {
      anyListeners.add(listener);
      return () => {
        anyListeners.delete(listener);
      };
    },
    emit(name, payload) {
      const set = listeners.get(name);
      if (set) {
        for (const listener of [...set]) safely(name, () => (listener as Listener<typeof payload>)(payload));
      }
      for (const listener of [...anyListeners]) safely(name, () => listener(name, payload));
    },
    listenerCount(name) {
      return (listeners.get(name)?.size ?? 0) + anyListeners.size;
    },
  };
}
