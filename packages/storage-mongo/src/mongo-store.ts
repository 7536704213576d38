import {
  ANOMALY_PATCH_FIELDS,
  type Anomaly,
  type ChatSession,
  describeKind,
  type MetricSnapshot,
  type Notification,
  type PromptHistoryEntry,
  PromptheusError,
  pickPatch,
  type Rca,
  requireNumber,
  requireString,
  resolveStoreOptions,
  type Silence,
  type Store,
  type StoreOptions,
  TARGET_PATCH_FIELDS,
  type Target,
} from '@promptheus/core';
import type {
  Collection,
  Db,
  Document,
  IndexDescription,
  MongoClient,
  MongoClientOptions,
  UpdateFilter,
} from 'mongodb';
import {
  COLLECTIONS,
  EMAIL_CONFIG_ID,
  emailConfigToDocument,
  fromDocument,
  type StoredDocument,
  toDocument,
} from './documents.js';
import {
  anomalyListQuery,
  byId,
  claimableFilter,
  firingByFingerprint,
  type ListWindow,
  newestFirst,
  outboxFilter,
  promptHistoryFilter,
  rcaByAnomaly,
  rcaByFingerprint,
  type SafeFilter,
  silencesFilter,
  targetsFilter,
  unfinishedById,
} from './filters.js';

/** Use a MongoClient the application already has. */
export interface MongoClientConnection {
  /** The client. The store does not connect it eagerly (the driver connects on first use) and does not close it unless `closeClient`. */
  readonly client: MongoClient;
  /** Database holding the collections. @default 'promptheus' */
  readonly dbName?: string;
  /** Close the client when the store is closed. @default false */
  readonly closeClient?: boolean;
}

/** Let the store create (lazily, on first use) and own a MongoClient. */
export interface MongoUriConnection {
  /**
   * Connection string, e.g. `mongodb://localhost:27017`. It may hold credentials: the store never
   * puts it into an error message or a log.
   */
  readonly uri: string;
  /** Database holding the collections. @default 'promptheus' */
  readonly dbName?: string;
  /** Options for the MongoClient. @default {} */
  readonly clientOptions?: MongoClientOptions;
}

/** Where the MongoDB store keeps its data. */
export type MongoConnectionOptions = MongoClientConnection | MongoUriConnection;

/** A {@link Store} on MongoDB. */
export interface MongoStore extends Store {
  readonly kind: 'mongodb';
  /** Name of the database holding the collections. */
  readonly dbName: string;
}

/** Indexes of every collection, created once, on first use. */
export const INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  [COLLECTIONS.snapshots.name]: [{ key: { timestamp: -1, _id: -1 }, name: 'newest' }],
  [COLLECTIONS.anomalies.name]: [
    { key: { startsAt: -1, _id: -1 }, name: 'newest' },
    { key: { status: 1, startsAt: -1, _id: -1 }, name: 'status_newest' },
    {
      key: { fingerprint: 1 },
      name: 'firing_fingerprint_unique',
      unique: true,
      partialFilterExpression: { status: 'firing' },
    },
  ],
  [COLLECTIONS.rca.name]: [
    { key: { createdAt: -1, _id: -1 }, name: 'newest' },
    { key: { anomalyId: 1, createdAt: -1, _id: -1 }, name: 'anomaly_newest' },
    { key: { fingerprint: 1, createdAt: -1, _id: -1 }, name: 'fingerprint_newest' },
  ],
  [COLLECTIONS.targets.name]: [{ key: { name: 1 }, name: 'name_unique', unique: true }],
  [COLLECTIONS.chatSessions.name]: [{ key: { updatedAt: -1, _id: -1 }, name: 'newest' }],
  [COLLECTIONS.promptHistory.name]: [
    { key: { createdAt: -1, _id: -1 }, name: 'newest' },
    { key: { sessionId: 1, createdAt: -1, _id: -1 }, name: 'session_newest' },
  ],
  [COLLECTIONS.silences.name]: [{ key: { endsAt: 1, _id: 1 }, name: 'ends' }],
  [COLLECTIONS.outbox.name]: [
    { key: { dedupeKey: 1 }, name: 'dedupe_key_unique', unique: true },
    { key: { status: 1, nextAttemptAt: 1, _id: 1 }, name: 'due' },
    { key: { status: 1, leaseUntil: 1 }, name: 'lease' },
    { key: { createdAt: -1, _id: -1 }, name: 'newest' },
    { key: { status: 1, createdAt: -1, _id: -1 }, name: 'status_newest' },
  ],
};

const DEFAULT_DB_NAME = 'promptheus';

/**
 * Types an update built in this module. Stored documents are typed loosely (`unknown` values), so
 * the driver's types cannot tell that `$inc` targets numeric fields; the operators and field names
 * here are fixed and the values checked.
 */
const update = (operators: Readonly<Record<string, unknown>>) => operators as UpdateFilter<StoredDocument>;

const isDuplicateKey = (error: unknown): error is Error & { code: number } =>
  typeof error === 'object' &&
  error !== null &&
  ((error as { code?: unknown }).code === 11000 ||
    ((error as { writeErrors?: unknown }).writeErrors !== undefined &&
      [(error as { writeErrors: unknown }).writeErrors]
        .flat()
        .some((writeError) => (writeError as { code?: unknown } | null)?.code === 11000)));

/** Which unique index a duplicate-key error is about (`_id_`, `name_unique`, ...). */
const duplicateIndex = (error: Error): string => /index: (\S+)/.exec(error.message)?.[1] ?? '_id_';

function checkConnection(connection: unknown): MongoConnectionOptions {
  if (typeof connection !== 'object' || connection === null) {
    throw new PromptheusError(
      'config',
      `createMongoStore needs { client } or { uri } (got ${describeKind(connection)}); set MONGO_URI`,
    );
  }
  const { dbName } = connection as { dbName?: unknown };
  if (dbName !== undefined && (typeof dbName !== 'string' || !/^[^/\\. "$*<>:|?]{1,63}$/.test(dbName))) {
    throw new PromptheusError(
      'config',
      'createMongoStore: dbName must be a MongoDB database name (1-63 characters, none of /\\. "$*<>:|?); set MONGO_DB',
    );
  }
  if ('client' in connection) {
    const { client } = connection as { client: unknown };
    if (
      typeof client !== 'object' ||
      client === null ||
      typeof (client as { db?: unknown }).db !== 'function'
    ) {
      throw new PromptheusError(
        'config',
        'createMongoStore: client must be a MongoClient from the mongodb package',
      );
    }
    return connection as MongoClientConnection;
  }
  const { uri } = connection as { uri?: unknown };
  if (typeof uri !== 'string' || !/^mongodb(\+srv)?:\/\/\S+$/.test(uri)) {
    // The value is not echoed: it may hold a password.
    throw new PromptheusError(
      'config',
      'createMongoStore: uri must be a mongodb:// or mongodb+srv:// connection string; set MONGO_URI',
    );
  }
  return connection as MongoUriConnection;
}

/**
 * Creates a store on MongoDB with the official driver. Nothing connects at creation: the client
 * (given, or created from `uri`) connects on the first operation, which also creates the
 * indexes. Collections: `metrics` (snapshots), `anomalies`, `rca`, `targets`, `email_config`,
 * `chat_sessions`, `prompt_history`, `outbox` and `silences`.
 *
 * Without a replica set MongoDB has no multi-document transactions, so retention runs right after
 * an insert rather than in the same transaction; a batch of anomalies that conflicts is removed
 * again, so a failed batch leaves nothing behind. Outbox claims are atomic per notification
 * (`findOneAndUpdate`), so two workers never claim the same one.
 *
 * @example
 * ```ts
 * import { createMongoStore } from '@promptheus/storage-mongo';
 *
 * const store = createMongoStore({ uri: process.env.MONGO_URI!, dbName: 'promptheus' }, { maxDocs: 1000 });
 * const recent = await store.anomalies.list({ status: 'firing' });
 * await store.close();
 * ```
 */
export function createMongoStore(connection: MongoConnectionOptions, options: StoreOptions = {}): MongoStore {
  const { maxDocs } = resolveStoreOptions(options);
  const checked = checkConnection(connection);
  const dbName = checked.dbName ?? DEFAULT_DB_NAME;
  const ownsClient = 'client' in checked ? (checked.closeClient ?? false) : true;

  let client: MongoClient | undefined = 'client' in checked ? checked.client : undefined;
  let clientPromise: Promise<MongoClient> | undefined;
  let ready: Promise<Db> | undefined;
  let closed = false;

  const storageError = (error: unknown): PromptheusError => {
    if (PromptheusError.isInstance(error)) return error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const retryable =
      /MongoNetwork|MongoServerSelection|MongoNotConnected|PoolCleared/.test(name) ||
      (typeof (error as { hasErrorLabel?: unknown }).hasErrorLabel === 'function' &&
        ((error as { hasErrorLabel(label: string): boolean }).hasErrorLabel('RetryableWriteError') ||
          (error as { hasErrorLabel(label: string): boolean }).hasErrorLabel('TransientTransactionError')));
    return new PromptheusError('storage', `MongoDB store (database ${dbName}): ${message}`, {
      cause: error,
      retryable,
      details: { database: dbName },
    });
  };

  const getClient = (): Promise<MongoClient> => {
    if (client) return Promise.resolve(client);
    clientPromise ??= (async () => {
      const { MongoClient: Client } = await import('mongodb');
      try {
        client = new Client(
          (checked as MongoUriConnection).uri,
          (checked as MongoUriConnection).clientOptions,
        );
      } catch (error) {
        // The driver's parse error may quote the connection string; only its kind is kept.
        throw new PromptheusError(
          'config',
          `createMongoStore: the connection string is not valid (${error instanceof Error ? error.name : 'error'}); check MONGO_URI`,
        );
      }
      return client;
    })();
    return clientPromise;
  };

  /** The database, with every index created (once; a failure is retried on the next call). */
  const database = (): Promise<Db> => {
    if (closed)
      return Promise.reject(
        new PromptheusError('storage', `The MongoDB store (database ${dbName}) is closed`),
      );
    ready ??= (async () => {
      const connected = await getClient();
      // Connect first, so that an unreachable server is reported as such (not as a closed topology).
      await connected.connect();
      const db = connected.db(dbName);
      await Promise.all(
        Object.entries(INDEXES).map(([name, indexes]) =>
          db.collection<StoredDocument>(name).createIndexes([...indexes]),
        ),
      );
      return db;
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  /** Runs an operation on a collection, mapping every failure to a PromptheusError. */
  const using = async <Result>(
    name: string,
    work: (collection: Collection<StoredDocument>) => Promise<Result>,
  ): Promise<Result> => {
    try {
      const db = await database();
      return await work(db.collection<StoredDocument>(name));
    } catch (error) {
      throw storageError(error);
    }
  };

  const list = async <Record>(
    collection: Collection<StoredDocument>,
    filter: SafeFilter,
    window: ListWindow,
    parse: (document: Document) => Record,
  ): Promise<Record[]> => {
    if (window.limit === 0) return [];
    const documents = await collection
      .find(filter, { sort: window.sort, skip: window.skip, limit: window.limit })
      .toArray();
    return documents.map(parse);
  };

  /** Deletes the oldest deletable documents until the collection holds at most `maxDocs`. */
  const prune = async (
    collection: Collection<StoredDocument>,
    timeField: string,
    deletable: SafeFilter = {},
  ) => {
    if (maxDocs === Number.POSITIVE_INFINITY) return;
    const excess = (await collection.countDocuments({})) - maxDocs;
    if (excess <= 0) return;
    const victims = await collection
      .find(deletable, { projection: { _id: 1 }, sort: { [timeField]: 1, _id: 1 }, limit: excess })
      .toArray();
    if (victims.length === 0) return;
    await collection.deleteMany({ ...deletable, _id: { $in: victims.map((victim) => victim._id) } });
  };

  const insertOne = async (
    collection: Collection<StoredDocument>,
    record: { readonly id: string },
    what: string,
  ) => {
    try {
      await collection.insertOne(toDocument(record));
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new PromptheusError('conflict', `${what} ${record.id} already exists`, { cause: error });
      }
      throw error;
    }
  };

  const parser =
    <Output>(entry: { readonly name: string; readonly schema: Parameters<typeof fromDocument<Output>>[0] }) =>
    (document: Document): Output =>
      fromDocument(entry.schema, entry.name, document);

  const parseSnapshot = parser<MetricSnapshot>(COLLECTIONS.snapshots);
  const parseAnomaly = parser<Anomaly>(COLLECTIONS.anomalies);
  const parseRca = parser<Rca>(COLLECTIONS.rca);
  const parseTarget = parser<Target>(COLLECTIONS.targets);
  const parseChatSession = parser<ChatSession>(COLLECTIONS.chatSessions);
  const parsePromptEntry = parser<PromptHistoryEntry>(COLLECTIONS.promptHistory);
  const parseSilence = parser<Silence>(COLLECTIONS.silences);
  const parseNotification = parser<Notification>(COLLECTIONS.outbox);
  const finished = { status: { $in: ['delivered', 'failed'] } };

  /** Applies an update to a notification that is not finished; `not_found` for an unknown id. */
  const transition = (id: string, set: Readonly<Record<string, unknown>>, finishes: boolean) => {
    const unfinished = unfinishedById(id);
    const filter = byId(id);
    return using(COLLECTIONS.outbox.name, async (outbox) => {
      const result = await outbox.updateOne(unfinished, { $set: set });
      if (result.matchedCount === 0 && !(await outbox.findOne(filter, { projection: { _id: 1 } }))) {
        throw new PromptheusError('not_found', `Notification ${id} does not exist`);
      }
      if (result.matchedCount > 0 && finishes) await prune(outbox, 'createdAt', finished);
    });
  };

  /** One record by a filter, or null. */
  const findOne = <Record>(name: string, filter: SafeFilter, parse: (document: Document) => Record) =>
    using(name, async (collection) => {
      const document = await collection.findOne(filter);
      return document ? parse(document) : null;
    });

  /** Deletes one record by a filter; true when it existed. */
  const deleteOne = (name: string, filter: SafeFilter) =>
    using(name, async (collection) => (await collection.deleteOne(filter)).deletedCount > 0);

  /** The newest RCA matching a filter. */
  const newestRca = (filter: SafeFilter) => {
    const window = newestFirst('createdAt', { limit: 1 });
    return using(
      COLLECTIONS.rca.name,
      async (collection) => (await list(collection, filter, window, parseRca))[0] ?? null,
    );
  };

  return {
    kind: 'mongodb',
    dbName,

    snapshots: {
      insert: (snapshot) =>
        using(COLLECTIONS.snapshots.name, async (collection) => {
          await insertOne(collection, snapshot, 'Snapshot');
          await prune(collection, 'timestamp');
        }),
      list: async (page) => {
        const window = newestFirst('timestamp', page);
        return using(COLLECTIONS.snapshots.name, (collection) => list(collection, {}, window, parseSnapshot));
      },
      count: () => using(COLLECTIONS.snapshots.name, (collection) => collection.countDocuments({})),
    },

    anomalies: {
      insert: (batch) =>
        using(COLLECTIONS.anomalies.name, async (collection) => {
          if (batch.length === 0) return;
          const ids = new Set<string>();
          const firing = new Set<string>();
          for (const anomaly of batch) {
            requireString('id', anomaly.id);
            if (ids.has(anomaly.id))
              throw new PromptheusError('conflict', `Anomaly ${anomaly.id} appears twice in the batch`);
            ids.add(anomaly.id);
            if (anomaly.status !== 'firing') continue;
            if (firing.has(anomaly.fingerprint)) {
              throw new PromptheusError(
                'conflict',
                `Two anomalies of the batch fire with fingerprint ${anomaly.fingerprint}`,
              );
            }
            firing.add(requireString('fingerprint', anomaly.fingerprint));
          }
          const existing = await collection.findOne({ _id: { $in: [...ids] } }, { projection: { _id: 1 } });
          if (existing)
            throw new PromptheusError('conflict', `Anomaly ${String(existing._id)} already exists`);
          if (firing.size > 0) {
            const alreadyFiring = await collection.findOne(
              { status: 'firing', fingerprint: { $in: [...firing] } },
              { projection: { fingerprint: 1 } },
            );
            if (alreadyFiring) {
              throw new PromptheusError(
                'conflict',
                `An anomaly with fingerprint ${String(alreadyFiring.fingerprint)} is already firing`,
              );
            }
          }
          try {
            await collection.insertMany(batch.map(toDocument), { ordered: true });
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            // Another writer got there between the check and the insert: take back what this batch wrote.
            const failedAt = [(error as { writeErrors?: unknown }).writeErrors]
              .flat()
              .map((writeError) => (writeError as { index?: unknown } | null)?.index)
              .find((index): index is number => typeof index === 'number');
            const written = batch.slice(0, failedAt ?? 0).map((anomaly) => anomaly.id);
            if (written.length > 0) await collection.deleteMany({ _id: { $in: written } });
            throw new PromptheusError(
              'conflict',
              `A concurrent write conflicts with this batch (${error.message})`,
              {
                cause: error,
              },
            );
          }
          await prune(collection, 'startsAt', { status: 'resolved' });
        }),
      update: async (id, patch) => {
        const filter = byId(id);
        const set = structuredClone(pickPatch(patch, ANOMALY_PATCH_FIELDS));
        return using(COLLECTIONS.anomalies.name, async (collection) => {
          try {
            const updated =
              Object.keys(set).length === 0
                ? await collection.findOne(filter)
                : await collection.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after' });
            return updated ? parseAnomaly(updated) : null;
          } catch (error) {
            if (isDuplicateKey(error)) {
              throw new PromptheusError('conflict', 'An anomaly with this fingerprint is already firing', {
                cause: error,
              });
            }
            throw error;
          }
        });
      },
      get: async (id) => findOne(COLLECTIONS.anomalies.name, byId(id), parseAnomaly),
      findFiring: async (fingerprint) =>
        findOne(COLLECTIONS.anomalies.name, firingByFingerprint(fingerprint), parseAnomaly),
      list: async (query) => {
        const { filter, window } = anomalyListQuery(query);
        return using(COLLECTIONS.anomalies.name, (collection) =>
          list(collection, filter, window, parseAnomaly),
        );
      },
      count: async (query) => {
        const { filter } = anomalyListQuery(query);
        return using(COLLECTIONS.anomalies.name, (collection) => collection.countDocuments(filter));
      },
    },

    rca: {
      insert: (rca) =>
        using(COLLECTIONS.rca.name, async (collection) => {
          await insertOne(collection, rca, 'RCA');
          await prune(collection, 'createdAt');
        }),
      getByAnomaly: async (anomalyId) => newestRca(rcaByAnomaly(anomalyId)),
      findLatestByFingerprint: async (fingerprint, since) => newestRca(rcaByFingerprint(fingerprint, since)),
      list: async (page) => {
        const window = newestFirst('createdAt', page);
        return using(COLLECTIONS.rca.name, (collection) => list(collection, {}, window, parseRca));
      },
      count: () => using(COLLECTIONS.rca.name, (collection) => collection.countDocuments({})),
    },

    targets: {
      create: (target) =>
        using(COLLECTIONS.targets.name, async (collection) => {
          try {
            await collection.insertOne(toDocument(target));
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            const message =
              duplicateIndex(error) === 'name_unique'
                ? `A target named ${target.name} already exists`
                : `Target ${target.id} already exists`;
            throw new PromptheusError('conflict', message, { cause: error });
          }
        }),
      update: async (id, patch) => {
        const filter = byId(id);
        const set = structuredClone(pickPatch(patch, TARGET_PATCH_FIELDS));
        return using(COLLECTIONS.targets.name, async (collection) => {
          try {
            const updated =
              Object.keys(set).length === 0
                ? await collection.findOne(filter)
                : await collection.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after' });
            return updated ? parseTarget(updated) : null;
          } catch (error) {
            if (isDuplicateKey(error)) {
              throw new PromptheusError('conflict', `A target named ${String(set.name)} already exists`, {
                cause: error,
              });
            }
            throw error;
          }
        });
      },
      delete: async (id) => deleteOne(COLLECTIONS.targets.name, byId(id)),
      get: async (id) => findOne(COLLECTIONS.targets.name, byId(id), parseTarget),
      list: async (options) => {
        const filter = targetsFilter(options?.enabled);
        return using(COLLECTIONS.targets.name, async (collection) =>
          (await collection.find(filter, { sort: { name: 1 } }).toArray()).map(parseTarget),
        );
      },
    },

    emailConfig: {
      get: () =>
        using(COLLECTIONS.emailConfig.name, async (collection) => {
          const document = await collection.findOne({ _id: EMAIL_CONFIG_ID });
          return document
            ? fromDocument(COLLECTIONS.emailConfig.schema, COLLECTIONS.emailConfig.name, document, {
                withId: false,
              })
            : null;
        }),
      set: (config) =>
        using(COLLECTIONS.emailConfig.name, async (collection) => {
          await collection.replaceOne({ _id: EMAIL_CONFIG_ID }, emailConfigToDocument(config), {
            upsert: true,
          });
        }),
    },

    chatSessions: {
      create: (session) =>
        using(COLLECTIONS.chatSessions.name, async (collection) => {
          await insertOne(collection, session, 'Chat session');
          await prune(collection, 'updatedAt');
        }),
      get: async (id) => findOne(COLLECTIONS.chatSessions.name, byId(id), parseChatSession),
      append: async (id, messages, usage, updatedAt) => {
        const filter = byId(id);
        const promptTokens = requireNumber('usage.promptTokens', usage.promptTokens);
        const completionTokens = requireNumber('usage.completionTokens', usage.completionTokens);
        requireNumber('updatedAt', updatedAt);
        return using(COLLECTIONS.chatSessions.name, async (collection) => {
          const updated = await collection.findOneAndUpdate(
            filter,
            update({
              $push: { messages: { $each: structuredClone([...messages]) } },
              $inc: {
                'usage.promptTokens': promptTokens,
                'usage.completionTokens': completionTokens,
                'usage.totalTokens': promptTokens + completionTokens,
              },
              $set: { updatedAt },
            }),
            { returnDocument: 'after' },
          );
          return updated ? parseChatSession(updated) : null;
        });
      },
      list: async (page) => {
        const window = newestFirst('updatedAt', page);
        return using(COLLECTIONS.chatSessions.name, (collection) =>
          list(collection, {}, window, parseChatSession),
        );
      },
      delete: async (id) => deleteOne(COLLECTIONS.chatSessions.name, byId(id)),
      count: () => using(COLLECTIONS.chatSessions.name, (collection) => collection.countDocuments({})),
    },

    promptHistory: {
      insert: (entry) =>
        using(COLLECTIONS.promptHistory.name, async (collection) => {
          await insertOne(collection, entry, 'Prompt history entry');
          await prune(collection, 'createdAt');
        }),
      list: async (options) => {
        const filter = promptHistoryFilter(options?.sessionId);
        const window = newestFirst('createdAt', options);
        return using(COLLECTIONS.promptHistory.name, (collection) =>
          list(collection, filter, window, parsePromptEntry),
        );
      },
      count: () => using(COLLECTIONS.promptHistory.name, (collection) => collection.countDocuments({})),
    },

    silences: {
      create: (silence) =>
        using(COLLECTIONS.silences.name, (collection) => insertOne(collection, silence, 'Silence')),
      get: async (id) => findOne(COLLECTIONS.silences.name, byId(id), parseSilence),
      delete: async (id) => deleteOne(COLLECTIONS.silences.name, byId(id)),
      list: async (options) => {
        const filter = silencesFilter(options?.activeAt);
        return using(COLLECTIONS.silences.name, async (collection) =>
          (await collection.find(filter, { sort: { endsAt: 1, _id: 1 } }).toArray()).map(parseSilence),
        );
      },
    },

    outbox: {
      enqueue: async (notification) => {
        const dedupeKey = requireString('dedupeKey', notification.dedupeKey);
        requireString('id', notification.id);
        return using(COLLECTIONS.outbox.name, async (collection) => {
          if (await collection.findOne({ dedupeKey }, { projection: { _id: 1 } })) return false;
          try {
            await collection.insertOne(toDocument(notification));
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            if (duplicateIndex(error) === 'dedupe_key_unique') return false;
            throw new PromptheusError('conflict', `Notification ${notification.id} already exists`, {
              cause: error,
            });
          }
          await prune(collection, 'createdAt', finished);
          return true;
        });
      },
      claim: async (claimOptions) => {
        const { filter, now, limit, leaseMs } = claimableFilter(claimOptions);
        return using(COLLECTIONS.outbox.name, async (collection) => {
          const claimed: Notification[] = [];
          // findOneAndUpdate is atomic per document: a notification goes to exactly one claimer.
          while (claimed.length < limit) {
            const document = await collection.findOneAndUpdate(
              filter,
              update({
                $set: { status: 'in_flight', leaseUntil: now + leaseMs, updatedAt: now },
                $inc: { attempts: 1 },
              }),
              { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: 'after' },
            );
            if (!document) break;
            claimed.push(parseNotification(document));
          }
          return claimed;
        });
      },
      complete: async (id, deliveredAt) =>
        transition(
          requireString('id', id),
          { status: 'delivered', deliveredAt, leaseUntil: null, updatedAt: deliveredAt },
          true,
        ),
      retry: async (id, retryOptions) =>
        transition(
          requireString('id', id),
          {
            status: 'pending',
            nextAttemptAt: retryOptions.nextAttemptAt,
            lastError: retryOptions.error,
            leaseUntil: null,
            updatedAt: retryOptions.at ?? Date.now(),
          },
          false,
        ),
      fail: async (id, failOptions) =>
        transition(
          requireString('id', id),
          { status: 'failed', lastError: failOptions.error, leaseUntil: null, updatedAt: failOptions.at },
          true,
        ),
      get: async (id) => findOne(COLLECTIONS.outbox.name, byId(id), parseNotification),
      list: async (options) => {
        const filter = outboxFilter(options?.status);
        const window = newestFirst('createdAt', options);
        return using(COLLECTIONS.outbox.name, (collection) =>
          list(collection, filter, window, parseNotification),
        );
      },
      count: async (options) => {
        const filter = outboxFilter(options?.status);
        return using(COLLECTIONS.outbox.name, (collection) => collection.countDocuments(filter));
      },
    },

    async close() {
      if (closed) return;
      closed = true;
      const current = client ?? (clientPromise ? await clientPromise.catch(() => undefined) : undefined);
      if (!ownsClient || !current) return;
      try {
        await current.close();
      } catch (error) {
        throw storageError(error);
      }
    },
  };
}
