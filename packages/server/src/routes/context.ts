import type { Emitter, Notifier, PrometheusClient, PromptheusEvents, Store } from '@promptheus/core';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { AppConfig, AskService, DispatcherHandle, MonitorHandle } from '../types.js';

/** Resolved dependencies shared by every route module. */
export interface RouteContext {
  readonly store: Store;
  readonly prometheus: PrometheusClient | null;
  readonly ask: AskService | null;
  readonly monitor: MonitorHandle | null;
  readonly dispatcher: DispatcherHandle | null;
  readonly notifiers: readonly Notifier[];
  readonly events: Emitter<PromptheusEvents> | null;
  readonly metrics: ServerMetrics;
  readonly llm: { readonly name: string; readonly model: string } | null;
  readonly config: Required<AppConfig>;
  readonly version: string;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly startedAt: number;
}

/** A list answer: one page of items plus the total, so clients can page. */
export interface Page<Item> {
  readonly items: readonly Item[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}
