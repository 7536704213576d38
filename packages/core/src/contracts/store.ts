import type { Anomaly, AnomalyStatus } from '../model/anomaly.js';
import type { ChatMessage, ChatSession } from '../model/chat-session.js';
import type { Severity, TokenUsage } from '../model/common.js';
import type { EmailConfig } from '../model/email-config.js';
import type { MetricSnapshot } from '../model/metric-snapshot.js';
import type { Notification, NotificationStatus } from '../model/notification.js';
import type { PromptHistoryEntry } from '../model/prompt-history-entry.js';
import type { Rca } from '../model/rca.js';
import type { Silence } from '../model/silence.js';
import type { Target } from '../model/target.js';

/**
 * Paging for list methods. Lists are newest first unless a method says otherwise; records with the
 * same time are ordered by id, descending, so pages never overlap. A `limit` or `offset` that is not
 * a non-negative integer fails with code `invalid_input`.
 */
export interface PageOptions {
  /** Maximum number of records. @default 20 */
  readonly limit?: number;
  /** Records to skip. @default 0 */
  readonly offset?: number;
}

/** Metric snapshots, one per monitor tick (`GET /prom-metrics`). */
export interface SnapshotRepository {
  /** Fails with code `conflict` on a duplicate id. */
  insert(snapshot: MetricSnapshot): Promise<void>;
  /** Newest first by `timestamp`. */
  list(options?: PageOptions): Promise<MetricSnapshot[]>;
  /** Number of stored snapshots. */
  count(): Promise<number>;
}

/** Filters of `AnomalyRepository.list` and `count`. */
export interface AnomalyQuery extends PageOptions {
  readonly status?: AnomalyStatus;
  readonly severity?: Severity;
  /** Only anomalies that started at or after this time (ms). */
  readonly since?: number;
  readonly target?: string;
}

/** Fields of an anomaly that change while it fires and when it resolves. */
export type AnomalyPatch = Partial<
  Pick<
    Anomaly,
    | 'value'
    | 'score'
    | 'severity'
    | 'reason'
    | 'evidence'
    | 'status'
    | 'endsAt'
    | 'updatedAt'
    | 'acknowledgedAt'
  >
>;

/** Anomalies: one record per problem, updated while it fires, resolved when it ends. */
export interface AnomalyRepository {
  /**
   * Inserts new anomalies in one batch. Fails with code `conflict` on a duplicate id, or on a firing
   * anomaly whose fingerprint already fires (nothing is inserted).
   */
  insert(anomalies: readonly Anomaly[]): Promise<void>;
  /**
   * Updates fields of one anomaly; returns the updated record, or null when it does not exist.
   * Fails with code `conflict` when it would make a second anomaly with the same fingerprint fire.
   */
  update(id: string, patch: AnomalyPatch): Promise<Anomaly | null>;
  /** The anomaly with this id, or null. */
  get(id: string): Promise<Anomaly | null>;
  /** The firing anomaly with this fingerprint, if any (there is at most one). */
  findFiring(fingerprint: string): Promise<Anomaly | null>;
  /** Newest first by `startsAt`. */
  list(query?: AnomalyQuery): Promise<Anomaly[]>;
  /** Number of anomalies matching the filters. */
  count(query?: Omit<AnomalyQuery, 'limit' | 'offset'>): Promise<number>;
}

/** Root-cause analyses of anomalies. */
export interface RcaRepository {
  /** Fails with code `conflict` on a duplicate id. */
  insert(rca: Rca): Promise<void>;
  /** The newest RCA of an anomaly. */
  getByAnomaly(anomalyId: string): Promise<Rca | null>;
  /** The newest RCA with this fingerprint created at or after `since` (ms), to reuse within a cooldown. */
  findLatestByFingerprint(fingerprint: string, since?: number): Promise<Rca | null>;
  /** Newest first by `createdAt`. */
  list(options?: PageOptions): Promise<Rca[]>;
  /** Number of stored analyses. */
  count(): Promise<number>;
}

/** Fields of a target that `TargetRepository.update` may change. */
export type TargetPatch = Partial<Omit<Target, 'id' | 'createdAt'>>;

/** Prometheus servers the monitor collects from, with their credentials. */
export interface TargetRepository {
  /** Fails with code `conflict` when the id or the name is taken. */
  create(target: Target): Promise<void>;
  /** Fails with code `conflict` when renaming to a taken name; null when the target does not exist. */
  update(id: string, patch: TargetPatch): Promise<Target | null>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
  /** The target with this id, or null. */
  get(id: string): Promise<Target | null>;
  /** Ordered by name. */
  list(options?: { readonly enabled?: boolean }): Promise<Target[]>;
}

/** The email configuration (recipients and the on/off switch), one document. */
export interface EmailConfigRepository {
  /** The saved configuration, or null when none was saved yet. */
  get(): Promise<EmailConfig | null>;
  /** Replaces the configuration. */
  set(config: EmailConfig): Promise<void>;
}

/** Ask conversations with their messages and token usage. */
export interface ChatSessionRepository {
  /** Fails with code `conflict` on a duplicate id. */
  create(session: ChatSession): Promise<void>;
  /** The session with this id, or null. */
  get(id: string): Promise<ChatSession | null>;
  /** Appends messages, adds `usage` to the session's total and sets `updatedAt`; null when the session does not exist. */
  append(
    id: string,
    messages: readonly ChatMessage[],
    usage: TokenUsage,
    updatedAt: number,
  ): Promise<ChatSession | null>;
  /** Newest first by `updatedAt`. */
  list(options?: PageOptions): Promise<ChatSession[]>;
  /** Deletes a session; true when it existed. */
  delete(id: string): Promise<boolean>;
  /** Number of stored sessions. */
  count(): Promise<number>;
}

/** Every question asked, with its PromQL, outcome and latency. */
export interface PromptHistoryRepository {
  /** Fails with code `conflict` on a duplicate id. */
  insert(entry: PromptHistoryEntry): Promise<void>;
  /** Newest first by `createdAt`. */
  list(options?: PageOptions & { readonly sessionId?: string }): Promise<PromptHistoryEntry[]>;
  /** Number of stored entries. */
  count(): Promise<number>;
}

/** Silences that mute notifications of matching anomalies. */
export interface SilenceRepository {
  /** Fails with code `conflict` on a duplicate id. */
  create(silence: Silence): Promise<void>;
  /** The silence with this id, or null. */
  get(id: string): Promise<Silence | null>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
  /** Silences active at `activeAt` (startsAt <= t < endsAt) when given, else all; ordered by `endsAt`. */
  list(options?: { readonly activeAt?: number }): Promise<Silence[]>;
}

/** Options of `OutboxRepository.claim`. */
export interface OutboxClaimOptions {
  /** Current time in ms. */
  readonly now: number;
  /** Maximum notifications to claim. */
  readonly limit: number;
  /** How long the claim holds; after it, another worker may claim the notification again. */
  readonly leaseMs: number;
}

/**
 * The durable queue of notifications. A notification moves
 * `pending` → (claim) `in_flight` → `delivered` | back to `pending` (retry) | `failed`.
 * `complete`, `retry` and `fail` fail with code `not_found` for an unknown id and change nothing
 * once a notification is `delivered` or `failed` (a late answer from a worker whose lease expired
 * cannot resurrect it).
 */
export interface OutboxRepository {
  /**
   * Adds a notification. Returns false, and changes nothing, when a notification with the same
   * `dedupeKey` is already in the outbox (whatever its status): that is how delivery is deduplicated.
   * A duplicate id with another `dedupeKey` fails with code `conflict`.
   */
  enqueue(notification: Notification): Promise<boolean>;
  /**
   * Atomically claims due notifications, oldest `nextAttemptAt` first: `pending` ones with
   * `nextAttemptAt <= now`, and `in_flight` ones whose lease expired. Claimed notifications become
   * `in_flight` with `leaseUntil = now + leaseMs` and `attempts + 1`. Two concurrent claims never
   * return the same notification.
   */
  claim(options: OutboxClaimOptions): Promise<Notification[]>;
  /** Marks a claimed notification delivered (`deliveredAt` and `updatedAt` set, lease cleared). */
  complete(id: string, deliveredAt: number): Promise<void>;
  /**
   * Puts a claimed notification back to `pending` for another attempt at `nextAttemptAt`, with
   * `lastError` set and the lease cleared. `at` (ms) becomes `updatedAt`. @default at: Date.now()
   */
  retry(
    id: string,
    options: { readonly nextAttemptAt: number; readonly error: string; readonly at?: number },
  ): Promise<void>;
  /** Gives up on a notification: `failed` with the reason. */
  fail(id: string, options: { readonly error: string; readonly at: number }): Promise<void>;
  /** The notification with this id, or null. */
  get(id: string): Promise<Notification | null>;
  /** Newest first by `createdAt`. */
  list(options?: PageOptions & { readonly status?: NotificationStatus }): Promise<Notification[]>;
  /** Number of notifications, optionally in one status. */
  count(options?: { readonly status?: NotificationStatus }): Promise<number>;
}

/** Options every store factory takes. */
export interface StoreOptions {
  /**
   * Retention: the most records kept per collection (snapshots, anomalies, rca, chat sessions,
   * prompt history, finished outbox notifications); the oldest are deleted first. Firing anomalies
   * and undelivered notifications are never deleted. `Infinity` keeps everything. Retention runs
   * when records are added (and when a notification finishes), so a collection never holds more
   * than `maxDocs` records except for the ones that are never deleted. Anything but a positive
   * integer or `Infinity` fails with code `config`.
   * @default 100
   */
  readonly maxDocs?: number;
}

/**
 * Where Promptheus keeps its records. Every implementation passes the conformance suite in
 * `@promptheus/core/testing` (`runStoreConformance`).
 */
export interface Store {
  /** `memory`, `sqlite`, `mongodb`, ... */
  readonly kind: string;
  readonly snapshots: SnapshotRepository;
  readonly anomalies: AnomalyRepository;
  readonly rca: RcaRepository;
  readonly targets: TargetRepository;
  readonly emailConfig: EmailConfigRepository;
  readonly chatSessions: ChatSessionRepository;
  readonly promptHistory: PromptHistoryRepository;
  readonly silences: SilenceRepository;
  readonly outbox: OutboxRepository;
  /** Releases connections and file handles. Safe to call twice. */
  close(): Promise<void>;
}
