import type { Anomaly, PromptHistoryEntry, Rca, TickSummary, TokenUsage } from '@promptheus/core';
import type { LiveBatch, LiveEvent } from '../../src/live.js';

export type { Anomaly, LiveBatch, LiveEvent, PromptHistoryEntry, Rca, TickSummary, TokenUsage };

/** A page of a list route. */
export interface Page<Item> {
  readonly items: readonly Item[];
  readonly total: number;
}

/** An anomaly with its analysis, as the feed keeps it. */
export interface AnomalyWithRca extends Anomaly {
  readonly rca?: Rca | null;
}

/** Status of one notifier on `GET /`. */
export interface NotifierStatusView {
  readonly enabled: boolean;
  readonly configured: boolean;
  readonly detail?: string | null;
}

/** `GET /`. */
export interface ServerStatus {
  readonly name: string;
  readonly version: string;
  readonly status: 'ok' | 'degraded';
  readonly uptimeSeconds: number;
  readonly prometheus: {
    readonly url: string | null;
    readonly reachable: boolean;
    readonly version: string | null;
    readonly error: string | null;
    readonly checkedAt: number;
  } | null;
  readonly store: { readonly kind: string };
  readonly llm: {
    readonly mode: 'llm' | 'offline';
    readonly provider: string | null;
    readonly model: string | null;
  };
  readonly notifiers: Readonly<Record<string, NotifierStatusView>>;
  readonly monitor: {
    readonly enabled: boolean;
    readonly running: boolean;
    readonly intervalSeconds: number | null;
    readonly lastTick: TickSummary | null;
  };
  readonly auth?: { readonly required: boolean; readonly protectReads: boolean };
}

/** A chart kind the page draws. */
export type ChartType = 'timeseries' | 'stat' | 'gauge' | 'bar' | 'table';

/** One threshold step of a layout. */
export interface ChartThreshold {
  readonly value: number | null;
  readonly color: string;
}

/** The chart specification returned by `POST /api/chat`. */
export interface ChartLayout {
  readonly type: ChartType;
  readonly title: string;
  readonly promql: string;
  readonly unit: string;
  readonly grafanaUnit?: string;
  readonly legend: string;
  readonly thresholds: readonly ChartThreshold[];
  readonly min: number | null;
  readonly max: number | null;
  readonly instant: boolean;
}

/** `POST /api/chat`. */
export interface ChatAnswer {
  readonly promql: string | null;
  readonly data: unknown;
  readonly layout: ChartLayout | null;
  readonly answer: string;
  readonly followups: readonly string[];
  readonly intent: string;
  readonly session_id: string | null;
  readonly usage: TokenUsage | null;
  readonly translator?: string | null;
  readonly error?: unknown;
  /** What the query computes, in words. */
  readonly explanation?: string | null;
  /** Closest metric names when no metric fits the question. */
  readonly closest?: readonly string[];
  readonly warnings?: readonly string[];
  /** A ready-made Grafana panel, when the server sends one. */
  readonly grafana?: Record<string, unknown> | null;
}

/** One series of a query result, normalised for drawing. */
export interface ChartSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Value at evaluation time. */
  readonly value: number | null;
  /** `[ms, value]` points over time. */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

/** A query result, normalised for drawing. */
export interface ChartData {
  readonly series: readonly ChartSeries[];
  readonly warnings: readonly string[];
  readonly truncated: boolean;
  /** Set when the result was a string. */
  readonly text: string | null;
}
