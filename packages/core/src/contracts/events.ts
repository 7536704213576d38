import type { Anomaly } from '../model/anomaly.js';
import type { TokenUsage } from '../model/common.js';
import type { Notification } from '../model/notification.js';
import type { Rca } from '../model/rca.js';

/** Summary of one monitor tick. */
export interface TickSummary {
  readonly tick: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly samples: number;
  readonly fired: number;
  readonly resolved: number;
  /** Targets that failed in this tick, with the reason. */
  readonly errors: ReadonlyArray<{ readonly target: string; readonly error: string }>;
  /** Milliseconds spent in each phase (collect, detect, store, analyse, dispatch, ...). */
  readonly phases: Readonly<Record<string, number>>;
  /** Anomalies firing after the tick. */
  readonly firing?: number;
  /**
   * What else went wrong in the tick (a detector threw, the store refused a write, ...): the
   * phase, what failed (a detector name, `store`, `analyst`, ...) and the message.
   */
  readonly failures?: ReadonlyArray<{
    readonly phase: string;
    readonly source: string;
    readonly error: string;
  }>;
}

/**
 * Every event Promptheus emits, by name. Subscribe with `emitter.on(name, listener)`; the
 * reference server forwards them to WebSocket clients and Prometheus metrics.
 */
export interface PromptheusEvents {
  'tick:start': { readonly tick: number; readonly startedAt: number };
  'tick:complete': TickSummary;
  /** A target could not be collected; the monitor backs off before trying it again. */
  'source:error': {
    readonly target: string;
    readonly error: string;
    readonly consecutiveFailures: number;
    readonly retryAt: number;
  };
  /** A target answers again after failing. */
  'source:recovered': { readonly target: string; readonly downForMs: number };
  'anomaly:fired': { readonly anomaly: Anomaly };
  'anomaly:resolved': { readonly anomaly: Anomaly };
  'rca:ready': { readonly rca: Rca; readonly anomaly: Anomaly };
  'notification:sent': { readonly notification: Notification };
  'notification:failed': {
    readonly notification: Notification;
    readonly error: string;
    readonly willRetry: boolean;
  };
  'llm:call': {
    readonly provider: string;
    readonly model: string;
    readonly purpose: string;
    readonly latencyMs: number;
    readonly usage: TokenUsage | null;
    readonly ok: boolean;
    readonly error?: string;
  };
  'ask:answered': {
    readonly prompt: string;
    readonly promql: string | null;
    readonly intent: string;
    readonly success: boolean;
    readonly latencyMs: number;
    readonly sessionId: string | null;
  };
  /** Something went wrong in the background (a listener threw, retention failed, ...). */
  error: { readonly source: string; readonly error: unknown };
}
