import type {
  AnomalyPatch,
  AnomalyQuery,
  OutboxClaimOptions,
  PageOptions,
  Store,
  StoreOptions,
  TargetPatch,
} from '../contracts/store.js';
import { PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { ChatMessage, ChatSession } from '../model/chat-session.js';
import { addUsage, type TokenUsage } from '../model/common.js';
import type { EmailConfig } from '../model/email-config.js';
import type { MetricSnapshot } from '../model/metric-snapshot.js';
import type { Notification, NotificationStatus } from '../model/notification.js';
import type { PromptHistoryEntry } from '../model/prompt-history-entry.js';
import type { Rca } from '../model/rca.js';
import type { Silence } from '../model/silence.js';
import type { Target } from '../model/target.js';
import {
  requireNumber,
  requireString,
  resolveAnomalyQuery,
  resolveClaimOptions,
  resolveNotificationStatus,
  resolveOptionalBoolean,
  resolvePage,
  resolveStoreOptions,
} from './store-input.js';

/** Fields an anomaly patch may change; anything else in a patch object is ignored. */
export const ANOMALY_PATCH_FIELDS = [
  'value',
  'score',
  'severity',
  'reason',
  'evidence',
  'status',
  'endsAt',
  'updatedAt',
  'acknowledgedAt',
] as const satisfies ReadonlyArray<keyof AnomalyPatch>;

/** Fields a target patch may change; anything else in a patch object is ignored. */
export const TARGET_PATCH_FIELDS = [
  'name',
  'url',
  'enabled',
  'selectors',
  'auth',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof TargetPatch>;

/**
 * Keeps the fields of `patch` listed in `fields` whose value is not `undefined`. Store
 * implementations use it so that a patch can never overwrite `id`, `createdAt` or unknown fields.
 */
export function pickPatch<Patch extends object>(
  patch: Patch,
  fields: ReadonlyArray<keyof Patch>,
): Partial<Patch> {
  const picked: Partial<Patch> = {};
  for (const field of fields) {
    const value = patch[field];
    if (value !== undefined) picked[field] = value;
  }
  return picked;
}

type Keyed = { readonly id: string };

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Orders records by a time field, newest first, then by id descending. */
const newestFirst =
  <Record extends Keyed>(time: (record: Record) => number) =>
  (a: Record, b: Record) =>
    time(b) - time(a) || compareIds(b.id, a.id);

/** Orders records by a time field, oldest first, then by id ascending. */
const oldestFirst =
  <Record extends Keyed>(time: (record: Record) => number) =>
  (a: Record, b: Record) =>
    time(a) - time(b) || compareIds(a.id, b.id);

const conflict = (message: string) => new PromptheusError('conflict', message);

const isFinished = (status: NotificationStatus) => status === 'delivered' || status === 'failed';

/**
 * Creates a store that keeps everything in memory, for tests, examples and short-lived processes.
 * Records are deep-copied on the way in and out, so callers can never change stored state by
 * mutating an object. Passes the store conformance suite of `@promptheus/core/testing`.
 *
 * @example
 * ```ts
 * import { createMemoryStore } from '@promptheus/core';
 *
 * const store = createMemoryStore({ maxDocs: 500 });
 * await store.anomalies.insert([anomaly]);
 * const firing = await store.anomalies.list({ status: 'firing', limit: 10 });
 * ```
 */
export function createMemoryStore(options: StoreOptions = {}): Store {
  const { maxDocs } = resolveStoreOptions(options);
  const copy = <Value>(value: Value): Value => structuredClone(value);

  const snapshots = new Map<string, MetricSnapshot>();
  const anomalies = new Map<string, Anomaly>();
  /** fingerprint → id of the firing anomaly with that fingerprint. */
  const firingByFingerprint = new Map<string, string>();
  const rcas = new Map<string, Rca>();
  const targets = new Map<string, Target>();
  let emailConfig: EmailConfig | null = null;
  const chatSessions = new Map<string, ChatSession>();
  const promptHistory = new Map<string, PromptHistoryEntry>();
  const silences = new Map<string, Silence>();
  const outbox = new Map<string, Notification>();
  /** dedupeKey → id. */
  const outboxByDedupeKey = new Map<string, string>();
  let closed = false;

  const open = () => {
    if (closed) throw new PromptheusError('storage', 'The memory store is closed; create a new one');
  };

  /** Deletes the oldest deletable records until the collection holds at most `maxDocs`. */
  const prune = <Record extends Keyed>(
    collection: Map<string, Record>,
    time: (record: Record) => number,
    deletable: (record: Record) => boolean = () => true,
    onDelete?: (record: Record) => void,
  ) => {
    let excess = collection.size - maxDocs;
    if (excess <= 0) return;
    const candidates = [...collection.values()].filter(deletable).sort(oldestFirst(time));
    for (const record of candidates) {
      if (excess <= 0) break;
      collection.delete(record.id);
      onDelete?.(record);
      excess--;
    }
  };

  const page = <Record>(records: Record[], options: PageOptions | undefined): Record[] => {
    const { limit, offset } = resolvePage(options);
    return records.slice(offset, offset + limit).map(copy);
  };

  const insertUnique = <Record extends Keyed>(
    collection: Map<string, Record>,
    record: Record,
    what: string,
  ) => {
    if (collection.has(record.id)) throw conflict(`${what} ${record.id} already exists`);
    collection.set(record.id, copy(record));
  };

  const anomalyMatches = (anomaly: Anomaly, query: ReturnType<typeof resolveAnomalyQuery>) =>
    (query.status === undefined || anomaly.status === query.status) &&
    (query.severity === undefined || anomaly.severity === query.severity) &&
    (query.since === undefined || anomaly.startsAt >= query.since) &&
    (query.target === undefined || anomaly.target === query.target);

  const notificationFor = (id: unknown): Notification => {
    open();
    const notification = outbox.get(requireString('id', id));
    if (!notification) throw new PromptheusError('not_found', `Notification ${String(id)} does not exist`);
    return notification;
  };

  const pruneOutbox = () =>
    prune(
      outbox,
      (notification) => notification.createdAt,
      (notification) => isFinished(notification.status),
      (notification) => outboxByDedupeKey.delete(notification.dedupeKey),
    );

  return {
    kind: 'memory',

    snapshots: {
      async insert(snapshot) {
        open();
        insertUnique(snapshots, snapshot, 'Snapshot');
        prune(snapshots, (record) => record.timestamp);
      },
      async list(options) {
        open();
        return page([...snapshots.values()].sort(newestFirst((record) => record.timestamp)), options);
      },
      async count() {
        open();
        return snapshots.size;
      },
    },

    anomalies: {
      async insert(batch) {
        open();
        const ids = new Set<string>();
        const fingerprints = new Set<string>();
        for (const anomaly of batch) {
          if (anomalies.has(anomaly.id) || ids.has(anomaly.id)) {
            throw conflict(`Anomaly ${anomaly.id} already exists`);
          }
          ids.add(anomaly.id);
          if (anomaly.status !== 'firing') continue;
          if (firingByFingerprint.has(anomaly.fingerprint) || fingerprints.has(anomaly.fingerprint)) {
            throw conflict(`An anomaly with fingerprint ${anomaly.fingerprint} is already firing`);
          }
          fingerprints.add(anomaly.fingerprint);
        }
        for (const anomaly of batch) {
          anomalies.set(anomaly.id, copy(anomaly));
          if (anomaly.status === 'firing') firingByFingerprint.set(anomaly.fingerprint, anomaly.id);
        }
        prune(
          anomalies,
          (anomaly) => anomaly.startsAt,
          (anomaly) => anomaly.status !== 'firing',
        );
      },
      async update(id, patch: AnomalyPatch) {
        open();
        const current = anomalies.get(requireString('id', id));
        if (!current) return null;
        const updated: Anomaly = { ...current, ...copy(pickPatch(patch, ANOMALY_PATCH_FIELDS)) };
        if (updated.status === 'firing' && current.status !== 'firing') {
          const firingId = firingByFingerprint.get(updated.fingerprint);
          if (firingId !== undefined && firingId !== id) {
            throw conflict(`An anomaly with fingerprint ${updated.fingerprint} is already firing`);
          }
        }
        anomalies.set(id, updated);
        if (current.status === 'firing' && updated.status !== 'firing') {
          firingByFingerprint.delete(current.fingerprint);
        } else if (updated.status === 'firing') {
          firingByFingerprint.set(updated.fingerprint, id);
        }
        return copy(updated);
      },
      async get(id) {
        open();
        const anomaly = anomalies.get(requireString('id', id));
        return anomaly ? copy(anomaly) : null;
      },
      async findFiring(fingerprint) {
        open();
        const id = firingByFingerprint.get(requireString('fingerprint', fingerprint));
        const anomaly = id === undefined ? undefined : anomalies.get(id);
        return anomaly ? copy(anomaly) : null;
      },
      async list(query?: AnomalyQuery) {
        open();
        const resolved = resolveAnomalyQuery(query);
        const matching = [...anomalies.values()].filter((anomaly) => anomalyMatches(anomaly, resolved));
        return page(matching.sort(newestFirst((anomaly) => anomaly.startsAt)), resolved);
      },
      async count(query) {
        open();
        const resolved = resolveAnomalyQuery(query);
        let total = 0;
        for (const anomaly of anomalies.values()) if (anomalyMatches(anomaly, resolved)) total++;
        return total;
      },
    },

    rca: {
      async insert(rca) {
        open();
        insertUnique(rcas, rca, 'RCA');
        prune(rcas, (record) => record.createdAt);
      },
      async getByAnomaly(anomalyId) {
        open();
        requireString('anomalyId', anomalyId);
        const newest = [...rcas.values()]
          .filter((rca) => rca.anomalyId === anomalyId)
          .sort(newestFirst((rca) => rca.createdAt))[0];
        return newest ? copy(newest) : null;
      },
      async findLatestByFingerprint(fingerprint, since) {
        open();
        requireString('fingerprint', fingerprint);
        if (since !== undefined) requireNumber('since', since);
        const newest = [...rcas.values()]
          .filter((rca) => rca.fingerprint === fingerprint && (since === undefined || rca.createdAt >= since))
          .sort(newestFirst((rca) => rca.createdAt))[0];
        return newest ? copy(newest) : null;
      },
      async list(options) {
        open();
        return page([...rcas.values()].sort(newestFirst((rca) => rca.createdAt)), options);
      },
      async count() {
        open();
        return rcas.size;
      },
    },

    targets: {
      async create(target) {
        open();
        if (targets.has(target.id)) throw conflict(`Target ${target.id} already exists`);
        for (const existing of targets.values()) {
          if (existing.name === target.name) throw conflict(`A target named ${target.name} already exists`);
        }
        targets.set(target.id, copy(target));
      },
      async update(id, patch) {
        open();
        const current = targets.get(requireString('id', id));
        if (!current) return null;
        const updated: Target = { ...current, ...copy(pickPatch(patch, TARGET_PATCH_FIELDS)) };
        for (const existing of targets.values()) {
          if (existing.id !== id && existing.name === updated.name) {
            throw conflict(`A target named ${updated.name} already exists`);
          }
        }
        targets.set(id, updated);
        return copy(updated);
      },
      async delete(id) {
        open();
        return targets.delete(requireString('id', id));
      },
      async get(id) {
        open();
        const target = targets.get(requireString('id', id));
        return target ? copy(target) : null;
      },
      async list(options) {
        open();
        const enabled = resolveOptionalBoolean('enabled', options?.enabled);
        return [...targets.values()]
          .filter((target) => enabled === undefined || target.enabled === enabled)
          .sort((a, b) => compareIds(a.name, b.name))
          .map(copy);
      },
    },

    emailConfig: {
      async get() {
        open();
        return emailConfig ? copy(emailConfig) : null;
      },
      async set(config) {
        open();
        emailConfig = copy(config);
      },
    },

    chatSessions: {
      async create(session) {
        open();
        insertUnique(chatSessions, session, 'Chat session');
        prune(chatSessions, (record) => record.updatedAt);
      },
      async get(id) {
        open();
        const session = chatSessions.get(requireString('id', id));
        return session ? copy(session) : null;
      },
      async append(id, messages: readonly ChatMessage[], usage: TokenUsage, updatedAt) {
        open();
        const current = chatSessions.get(requireString('id', id));
        if (!current) return null;
        const updated: ChatSession = {
          ...current,
          messages: [...current.messages, ...copy(messages)],
          usage: addUsage(current.usage, usage),
          updatedAt,
        };
        chatSessions.set(id, updated);
        return copy(updated);
      },
      async list(options) {
        open();
        return page([...chatSessions.values()].sort(newestFirst((session) => session.updatedAt)), options);
      },
      async delete(id) {
        open();
        return chatSessions.delete(requireString('id', id));
      },
      async count() {
        open();
        return chatSessions.size;
      },
    },

    promptHistory: {
      async insert(entry) {
        open();
        insertUnique(promptHistory, entry, 'Prompt history entry');
        prune(promptHistory, (record) => record.createdAt);
      },
      async list(options) {
        open();
        const sessionId = options?.sessionId;
        if (sessionId !== undefined) requireString('sessionId', sessionId);
        const entries = [...promptHistory.values()].filter(
          (entry) => sessionId === undefined || entry.sessionId === sessionId,
        );
        return page(entries.sort(newestFirst((entry) => entry.createdAt)), options);
      },
      async count() {
        open();
        return promptHistory.size;
      },
    },

    silences: {
      async create(silence) {
        open();
        insertUnique(silences, silence, 'Silence');
      },
      async get(id) {
        open();
        const silence = silences.get(requireString('id', id));
        return silence ? copy(silence) : null;
      },
      async delete(id) {
        open();
        return silences.delete(requireString('id', id));
      },
      async list(options) {
        open();
        const activeAt = options?.activeAt;
        if (activeAt !== undefined) requireNumber('activeAt', activeAt);
        return [...silences.values()]
          .filter(
            (silence) =>
              activeAt === undefined || (silence.startsAt <= activeAt && activeAt < silence.endsAt),
          )
          .sort(oldestFirst((silence) => silence.endsAt))
          .map(copy);
      },
    },

    outbox: {
      async enqueue(notification) {
        open();
        if (outboxByDedupeKey.has(requireString('dedupeKey', notification.dedupeKey))) return false;
        insertUnique(outbox, notification, 'Notification');
        outboxByDedupeKey.set(notification.dedupeKey, notification.id);
        pruneOutbox();
        return true;
      },
      async claim(claimOptions: OutboxClaimOptions) {
        open();
        const { now, limit, leaseMs } = resolveClaimOptions(claimOptions);
        const due = [...outbox.values()]
          .filter(
            (notification) =>
              (notification.status === 'pending' && notification.nextAttemptAt <= now) ||
              (notification.status === 'in_flight' && (notification.leaseUntil ?? 0) <= now),
          )
          .sort(oldestFirst((notification) => notification.nextAttemptAt))
          .slice(0, limit);
        return due.map((notification) => {
          const claimed: Notification = {
            ...notification,
            status: 'in_flight',
            leaseUntil: now + leaseMs,
            attempts: notification.attempts + 1,
            updatedAt: now,
          };
          outbox.set(claimed.id, claimed);
          return copy(claimed);
        });
      },
      async complete(id, deliveredAt) {
        const notification = notificationFor(id);
        if (isFinished(notification.status)) return;
        outbox.set(notification.id, {
          ...notification,
          status: 'delivered',
          deliveredAt,
          leaseUntil: null,
          updatedAt: deliveredAt,
        });
        pruneOutbox();
      },
      async retry(id, retryOptions) {
        const notification = notificationFor(id);
        if (isFinished(notification.status)) return;
        outbox.set(notification.id, {
          ...notification,
          status: 'pending',
          nextAttemptAt: retryOptions.nextAttemptAt,
          lastError: retryOptions.error,
          leaseUntil: null,
          updatedAt: retryOptions.at ?? Date.now(),
        });
      },
      async fail(id, failOptions) {
        const notification = notificationFor(id);
        if (isFinished(notification.status)) return;
        outbox.set(notification.id, {
          ...notification,
          status: 'failed',
          lastError: failOptions.error,
          leaseUntil: null,
          updatedAt: failOptions.at,
        });
        pruneOutbox();
      },
      async get(id) {
        open();
        const notification = outbox.get(requireString('id', id));
        return notification ? copy(notification) : null;
      },
      async list(options) {
        open();
        const status = resolveNotificationStatus(options?.status);
        const notifications = [...outbox.values()].filter(
          (notification) => status === undefined || notification.status === status,
        );
        return page(notifications.sort(newestFirst((notification) => notification.createdAt)), options);
      },
      async count(options) {
        open();
        const status = resolveNotificationStatus(options?.status);
        let total = 0;
        for (const notification of outbox.values())
          if (status === undefined || notification.status === status) total++;
        return total;
      },
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const collection of [
        snapshots,
        anomalies,
        rcas,
        targets,
        chatSessions,
        promptHistory,
        silences,
        outbox,
      ]) {
        collection.clear();
      }
      firingByFingerprint.clear();
      outboxByDedupeKey.clear();
      emailConfig = null;
    },
  };
}
