import {
  ANOMALY_PATCH_FIELDS,
  type Anomaly,
  type AnomalyPatch,
  addUsage,
  type ChatMessage,
  type ChatSession,
  describeKind,
  type EmailConfig,
  type MetricSnapshot,
  type Notification,
  type PromptHistoryEntry,
  PromptheusError,
  pickPatch,
  type Rca,
  requireNumber,
  requireString,
  resolveAnomalyQuery,
  resolveClaimOptions,
  resolveNotificationStatus,
  resolveOptionalBoolean,
  resolvePage,
  resolveStoreOptions,
  type Silence,
  type Store,
  type StoreOptions,
  TARGET_PATCH_FIELDS,
  type Target,
  type TargetPatch,
  type TokenUsage,
} from '@promptheus/core';
import type BetterSqlite3 from 'better-sqlite3';
import Database from 'better-sqlite3';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';
import {
  ANOMALY_COLUMNS,
  anomalyFromValues,
  anomalyParameters,
  CHAT_SESSION_COLUMNS,
  chatSessionFromRow,
  chatSessionParameters,
  emailConfigFromRow,
  emailConfigParameters,
  InvalidRowError,
  NOTIFICATION_COLUMNS,
  notificationFromRow,
  notificationParameters,
  type Parameter,
  PROMPT_HISTORY_COLUMNS,
  placeholders,
  promptHistoryFromRow,
  promptHistoryParameters,
  RCA_COLUMNS,
  type Row,
  rcaFromRow,
  rcaParameters,
  SILENCE_COLUMNS,
  SNAPSHOT_COLUMNS,
  silenceFromRow,
  silenceParameters,
  snapshotFromRow,
  snapshotParameters,
  TARGET_COLUMNS,
  targetFromRow,
  targetParameters,
} from './rows.js';

/** Open (or create) a database file. */
export interface SqlitePathOptions {
  /**
   * Path of the database file, created with its directory's permissions when missing; or
   * `':memory:'` for a private in-memory database that disappears on `close()`.
   * @example './data/promptheus.db'
   */
  readonly path: string;
  /**
   * Open the file read-only: reads work, every write fails with code `storage`. The file must
   * exist and have the current schema.
   * @default false
   */
  readonly readonly?: boolean;
  /**
   * How long a write waits for another connection's lock before failing with a retryable
   * `storage` error, in ms.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
}

/** Use a better-sqlite3 database the application already opened. */
export interface SqliteDatabaseOptions {
  /**
   * The database. The store creates its tables in it (migrating older schemas) and leaves its
   * settings alone: enable WAL yourself (`database.pragma('journal_mode = WAL')`) for concurrent
   * readers and crash safety. The database stays yours: `close()` does not close it unless
   * `closeDatabase` is set.
   */
  readonly database: BetterSqlite3.Database;
  /** Close the database when the store is closed. @default false */
  readonly closeDatabase?: boolean;
}

/** Where the SQLite store keeps its data: a file path (or `:memory:`), or an open database. */
export type SqliteConnectionOptions = SqlitePathOptions | SqliteDatabaseOptions;

/** A {@link Store} on SQLite. */
export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The underlying connection, for backups (`database.backup(file)`) and diagnostics. */
  readonly database: BetterSqlite3.Database;
}

const CONFLICT_MESSAGES: Readonly<Record<string, string>> = {
  'anomalies.id': 'An anomaly with this id already exists',
  'anomalies.fingerprint': 'An anomaly with this fingerprint is already firing',
  'targets.id': 'A target with this id already exists',
  'targets.name': 'A target with this name already exists',
  'outbox.id': 'A notification with this id already exists',
};

function checkConnection(connection: unknown): SqliteConnectionOptions {
  if (typeof connection !== 'object' || connection === null) {
    throw new PromptheusError(
      'config',
      `createSqliteStore needs { path } or { database } (got ${describeKind(connection)})`,
    );
  }
  if ('database' in connection) {
    const database = (connection as { database: unknown }).database;
    if (
      typeof database !== 'object' ||
      database === null ||
      typeof (database as { prepare?: unknown }).prepare !== 'function'
    ) {
      throw new PromptheusError('config', 'createSqliteStore: database must be a better-sqlite3 Database');
    }
    return connection as SqliteDatabaseOptions;
  }
  const { path, busyTimeoutMs } = connection as { path?: unknown; busyTimeoutMs?: unknown };
  if (typeof path !== 'string' || path.length === 0) {
    throw new PromptheusError(
      'config',
      `createSqliteStore: path must be a file path or ':memory:' (got ${describeKind(path)}); set SQLITE_PATH`,
    );
  }
  if (
    busyTimeoutMs !== undefined &&
    (typeof busyTimeoutMs !== 'number' || !Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0)
  ) {
    throw new PromptheusError('config', 'createSqliteStore: busyTimeoutMs must be a non-negative integer');
  }
  return connection as SqlitePathOptions;
}

/**
 * Creates a store on SQLite through better-sqlite3: the embedded default of Promptheus. The file
 * is opened (and created, and migrated to the current schema) right away, in WAL mode with
 * `synchronous = NORMAL`, so a crash of the process never loses a committed write. Batches are
 * written in one transaction together with the retention that follows them.
 *
 * A file that cannot be opened (missing directory, not a database, corrupted, read-only, written
 * by a newer version) fails with a `PromptheusError` of code `storage` naming the path.
 *
 * @example
 * ```ts
 * import { createSqliteStore } from '@promptheus/storage-sqlite';
 *
 * const store = createSqliteStore({ path: './promptheus.db' }, { maxDocs: 1000 });
 * await store.anomalies.insert([anomaly]);
 * await store.close();
 * ```
 * @example
 * ```ts
 * // With a database the application already has (it stays open after store.close()):
 * const database = new Database('./app.db');
 * database.pragma('journal_mode = WAL');
 * const store = createSqliteStore({ database });
 * ```
 */
export function createSqliteStore(
  connection: SqliteConnectionOptions,
  options: StoreOptions = {},
): SqliteStore {
  const { maxDocs } = resolveStoreOptions(options);
  const checked = checkConnection(connection);
  const ownsDatabase = 'database' in checked ? (checked.closeDatabase ?? false) : true;
  const location = 'database' in checked ? checked.database.name : checked.path;

  const storageError = (prefix: string, error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      typeof code === 'string' && code.startsWith('SQLITE_READONLY') ? ' (the database is read-only)' : '';
    const busy =
      typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
    return new PromptheusError('storage', `${prefix} ${location}: ${message}${hint}`, {
      cause: error,
      retryable: busy,
      details: { path: location, ...(typeof code === 'string' ? { sqliteCode: code } : {}) },
    });
  };

  let database: BetterSqlite3.Database;
  if ('database' in checked) {
    database = checked.database;
  } else {
    try {
      database = new Database(checked.path, {
        readonly: checked.readonly ?? false,
        fileMustExist: checked.readonly ?? false,
        timeout: checked.busyTimeoutMs ?? 5000,
      });
    } catch (error) {
      throw storageError('Cannot open the SQLite store at', error);
    }
  }
  try {
    if (!('database' in checked)) {
      if (!database.readonly && !database.memory) database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
    }
    if (database.readonly) {
      const version = schemaVersion(database);
      if (version !== SCHEMA_VERSION) {
        throw new Error(
          `it is read-only and its schema version is ${version}, but this store needs version ${SCHEMA_VERSION}; open it writable once to migrate it`,
        );
      }
    } else {
      migrate(database);
    }
    // Reading every table once surfaces a damaged schema now rather than on the first request.
    database.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").get();
  } catch (error) {
    if (ownsDatabase) database.close();
    throw storageError('Cannot open the SQLite store at', error);
  }

  const statements = new Map<string, BetterSqlite3.Statement>();
  /** Prepares a statement once and reuses it. */
  const statement = (sql: string): BetterSqlite3.Statement => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = database.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };

  const rawStatements = new Map<string, BetterSqlite3.Statement>();
  /** Prepares a query that returns rows as arrays of column values once, and reuses it. */
  const rawStatement = (sql: string): BetterSqlite3.Statement => {
    let prepared = rawStatements.get(sql);
    if (!prepared) {
      prepared = database.prepare(sql).raw(true);
      rawStatements.set(sql, prepared);
    }
    return prepared;
  };

  let closed = false;

  const toStoreError = (error: unknown): PromptheusError => {
    if (PromptheusError.isInstance(error)) return error;
    if (error instanceof InvalidRowError) return storageError('SQLite store at', error);
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const column = /constraint failed: ([\w.]+)/.exec((error as Error).message)?.[1] ?? '';
      const message =
        CONFLICT_MESSAGES[column] ??
        `A record with this ${column.split('.')[1] ?? 'key'} already exists in ${column.split('.')[0] ?? 'the store'}`;
      return new PromptheusError('conflict', message, { cause: error });
    }
    return storageError('SQLite store at', error);
  };

  /** Runs synchronous database work as a promise, mapping every failure to a PromptheusError. */
  const run = <Result>(work: () => Result): Promise<Result> => {
    try {
      if (closed) throw new PromptheusError('storage', `The SQLite store at ${location} is closed`);
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(toStoreError(error));
    }
  };

  /** Wraps work in an immediate (write-locking) transaction; nested calls become savepoints. */
  const writeTransaction = <Args extends unknown[], Result>(work: (...args: Args) => Result) => {
    const transaction = database.transaction(work);
    return (...args: Args): Result => transaction.immediate(...args);
  };

  const all = (sql: string, parameters: readonly Parameter[] = []) =>
    statement(sql).all(...parameters) as Row[];
  const get = (sql: string, parameters: readonly Parameter[] = []) =>
    statement(sql).get(...parameters) as Row | undefined;
  /** Anomalies of `SELECT <the anomaly columns> FROM anomalies <rest>`, read as column values. */
  const selectAnomalies = (rest: string, parameters: readonly Parameter[]): Anomaly[] =>
    (rawStatement(`SELECT ${ANOMALY_COLUMNS} FROM anomalies ${rest}`).all(...parameters) as unknown[][]).map(
      anomalyFromValues,
    );
  const selectAnomaly = (rest: string, parameters: readonly Parameter[]): Anomaly | null => {
    const values = rawStatement(`SELECT ${ANOMALY_COLUMNS} FROM anomalies ${rest}`).get(...parameters) as
      | unknown[]
      | undefined;
    return values ? anomalyFromValues(values) : null;
  };
  const count = (sql: string, parameters: readonly Parameter[] = []) =>
    (statement(sql)
      .pluck()
      .get(...parameters) as number | undefined) ?? 0;

  /** Deletes the oldest deletable rows of a table until it holds at most `maxDocs`. */
  const prune = (table: string, timeColumn: string, deletable = '') => {
    if (maxDocs === Number.POSITIVE_INFINITY) return;
    statement(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ${deletable ? `WHERE ${deletable}` : ''}
       ORDER BY ${timeColumn} ASC, id ASC LIMIT max(0, (SELECT count(*) FROM ${table}) - ?))`,
    ).run(maxDocs);
  };

  const pageParameters = (options: { readonly limit?: number; readonly offset?: number } | undefined) => {
    const { limit, offset } = resolvePage(options);
    return [limit, offset] as const;
  };

  // Snapshots -------------------------------------------------------------------------------------

  const insertSnapshot = writeTransaction((snapshot: MetricSnapshot) => {
    statement(`INSERT INTO snapshots (${SNAPSHOT_COLUMNS}) VALUES (${placeholders(SNAPSHOT_COLUMNS)})`).run(
      snapshotParameters(snapshot),
    );
    prune('snapshots', 'timestamp');
  });

  // Anomalies -------------------------------------------------------------------------------------

  const insertAnomalies = writeTransaction((batch: readonly Anomaly[]) => {
    const insert = statement(
      `INSERT INTO anomalies (${ANOMALY_COLUMNS}) VALUES (${placeholders(ANOMALY_COLUMNS)})`,
    );
    for (const anomaly of batch) insert.run(anomalyParameters(anomaly));
    prune('anomalies', 'starts_at', "status = 'resolved'");
  });

  const updateAnomaly = writeTransaction((id: string, patch: AnomalyPatch): Anomaly | null => {
    const current = selectAnomaly('WHERE id = ?', [id]);
    if (!current) return null;
    const updated: Anomaly = structuredClone({
      ...current,
      ...pickPatch(patch, ANOMALY_PATCH_FIELDS),
    });
    statement(
      `UPDATE anomalies SET value = ?, score = ?, severity = ?, reason = ?, evidence = ?, status = ?,
       ends_at = ?, updated_at = ?, acknowledged_at = ? WHERE id = ?`,
    ).run(
      updated.value,
      updated.score,
      updated.severity,
      updated.reason,
      JSON.stringify(updated.evidence),
      updated.status,
      updated.endsAt,
      updated.updatedAt,
      updated.acknowledgedAt,
      id,
    );
    return updated;
  });

  const anomalyFilter = (query: ReturnType<typeof resolveAnomalyQuery>) => {
    const conditions: string[] = [];
    const parameters: Parameter[] = [];
    if (query.status !== undefined) {
      conditions.push('status = ?');
      parameters.push(query.status);
    }
    if (query.severity !== undefined) {
      conditions.push('severity = ?');
      parameters.push(query.severity);
    }
    if (query.since !== undefined) {
      conditions.push('starts_at >= ?');
      parameters.push(query.since);
    }
    if (query.target !== undefined) {
      conditions.push('target = ?');
      parameters.push(query.target);
    }
    return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', parameters };
  };

  // Targets ---------------------------------------------------------------------------------------

  const updateTarget = writeTransaction((id: string, patch: TargetPatch): Target | null => {
    const row = get('SELECT * FROM targets WHERE id = ?', [id]);
    if (!row) return null;
    const updated: Target = structuredClone({
      ...targetFromRow(row),
      ...pickPatch(patch, TARGET_PATCH_FIELDS),
    });
    const [, name, url, enabled, selectors, auth, , updatedAt] = targetParameters(updated);
    statement(
      'UPDATE targets SET name = ?, url = ?, enabled = ?, selectors = ?, auth = ?, updated_at = ? WHERE id = ?',
    ).run(name, url, enabled, selectors, auth, updatedAt, id);
    return updated;
  });

  // Chat sessions ---------------------------------------------------------------------------------

  const insertChatSession = writeTransaction((session: ChatSession) => {
    statement(
      `INSERT INTO chat_sessions (${CHAT_SESSION_COLUMNS}) VALUES (${placeholders(CHAT_SESSION_COLUMNS)})`,
    ).run(chatSessionParameters(session));
    prune('chat_sessions', 'updated_at');
  });

  const appendToChatSession = writeTransaction(
    (
      id: string,
      messages: readonly ChatMessage[],
      usage: TokenUsage,
      updatedAt: number,
    ): ChatSession | null => {
      const row = get('SELECT * FROM chat_sessions WHERE id = ?', [id]);
      if (!row) return null;
      const current = chatSessionFromRow(row);
      const updated: ChatSession = structuredClone({
        ...current,
        messages: [...current.messages, ...messages],
        usage: addUsage(current.usage, usage),
        updatedAt,
      });
      statement('UPDATE chat_sessions SET messages = ?, usage = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(updated.messages),
        JSON.stringify(updated.usage),
        updated.updatedAt,
        id,
      );
      return updated;
    },
  );

  // Prompt history, RCA ---------------------------------------------------------------------------

  const insertPromptEntry = writeTransaction((entry: PromptHistoryEntry) => {
    statement(
      `INSERT INTO prompt_history (${PROMPT_HISTORY_COLUMNS}) VALUES (${placeholders(PROMPT_HISTORY_COLUMNS)})`,
    ).run(promptHistoryParameters(entry));
    prune('prompt_history', 'created_at');
  });

  const insertRca = writeTransaction((rca: Rca) => {
    statement(`INSERT INTO rca (${RCA_COLUMNS}) VALUES (${placeholders(RCA_COLUMNS)})`).run(
      rcaParameters(rca),
    );
    prune('rca', 'created_at');
  });

  // Outbox ----------------------------------------------------------------------------------------

  const pruneOutbox = () => prune('outbox', 'created_at', "status IN ('delivered', 'failed')");

  const enqueue = writeTransaction((notification: Notification): boolean => {
    if (get('SELECT 1 FROM outbox WHERE dedupe_key = ?', [notification.dedupeKey])) return false;
    statement(
      `INSERT INTO outbox (${NOTIFICATION_COLUMNS}) VALUES (${placeholders(NOTIFICATION_COLUMNS)})`,
    ).run(notificationParameters(notification));
    pruneOutbox();
    return true;
  });

  /**
   * Applies a transition to a notification that is not finished yet; `not_found` for an unknown id,
   * nothing for a finished one.
   */
  const transition = writeTransaction(
    (id: string, assignments: string, parameters: Parameter[], finishes: boolean) => {
      const changed = statement(
        `UPDATE outbox SET ${assignments} WHERE id = ? AND status IN ('pending', 'in_flight')`,
      ).run(...parameters, id).changes;
      if (changed === 0 && !get('SELECT 1 FROM outbox WHERE id = ?', [id])) {
        throw new PromptheusError('not_found', `Notification ${id} does not exist`);
      }
      if (changed > 0 && finishes) pruneOutbox();
    },
  );

  const store: SqliteStore = {
    kind: 'sqlite',
    database,

    snapshots: {
      insert: (snapshot) => run(() => insertSnapshot(snapshot)),
      list: (page) =>
        run(() =>
          all(
            'SELECT * FROM snapshots ORDER BY timestamp DESC, id DESC LIMIT ? OFFSET ?',
            pageParameters(page),
          ).map(snapshotFromRow),
        ),
      count: () => run(() => count('SELECT count(*) FROM snapshots')),
    },

    anomalies: {
      insert: (batch) => run(() => insertAnomalies(batch)),
      update: (id, patch) => run(() => updateAnomaly(requireString('id', id), patch)),
      get: (id) => run(() => selectAnomaly('WHERE id = ?', [requireString('id', id)])),
      findFiring: (fingerprint) =>
        run(() =>
          selectAnomaly("WHERE fingerprint = ? AND status = 'firing'", [
            requireString('fingerprint', fingerprint),
          ]),
        ),
      list: (query) =>
        run(() => {
          const resolved = resolveAnomalyQuery(query);
          const { where, parameters } = anomalyFilter(resolved);
          return selectAnomalies(`${where} ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?`, [
            ...parameters,
            resolved.limit,
            resolved.offset,
          ]);
        }),
      count: (query) =>
        run(() => {
          const { where, parameters } = anomalyFilter(resolveAnomalyQuery(query));
          return count(`SELECT count(*) FROM anomalies ${where}`, parameters);
        }),
    },

    rca: {
      insert: (rca) => run(() => insertRca(rca)),
      getByAnomaly: (anomalyId) =>
        run(() => {
          const row = get(
            'SELECT * FROM rca WHERE anomaly_id = ? ORDER BY created_at DESC, id DESC LIMIT 1',
            [requireString('anomalyId', anomalyId)],
          );
          return row ? rcaFromRow(row) : null;
        }),
      findLatestByFingerprint: (fingerprint, since) =>
        run(() => {
          const row = get(
            'SELECT * FROM rca WHERE fingerprint = ? AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT 1',
            [
              requireString('fingerprint', fingerprint),
              since === undefined ? Number.MIN_SAFE_INTEGER : requireNumber('since', since),
            ],
          );
          return row ? rcaFromRow(row) : null;
        }),
      list: (page) =>
        run(() =>
          all(
            'SELECT * FROM rca ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
            pageParameters(page),
          ).map(rcaFromRow),
        ),
      count: () => run(() => count('SELECT count(*) FROM rca')),
    },

    targets: {
      create: (target) =>
        run(() => {
          statement(`INSERT INTO targets (${TARGET_COLUMNS}) VALUES (${placeholders(TARGET_COLUMNS)})`).run(
            targetParameters(target),
          );
        }),
      update: (id, patch) => run(() => updateTarget(requireString('id', id), patch)),
      delete: (id) =>
        run(() => statement('DELETE FROM targets WHERE id = ?').run(requireString('id', id)).changes > 0),
      get: (id) =>
        run(() => {
          const row = get('SELECT * FROM targets WHERE id = ?', [requireString('id', id)]);
          return row ? targetFromRow(row) : null;
        }),
      list: (filter) =>
        run(() => {
          const enabled = resolveOptionalBoolean('enabled', filter?.enabled);
          const rows =
            enabled === undefined
              ? all('SELECT * FROM targets ORDER BY name')
              : all('SELECT * FROM targets WHERE enabled = ? ORDER BY name', [enabled ? 1 : 0]);
          return rows.map(targetFromRow);
        }),
    },

    emailConfig: {
      get: () =>
        run(() => {
          const row = get('SELECT * FROM email_config WHERE id = 1');
          return row ? emailConfigFromRow(row) : null;
        }),
      set: (config: EmailConfig) =>
        run(() => {
          statement(
            `INSERT INTO email_config (id, enabled, recipients, updated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, recipients = excluded.recipients,
             updated_at = excluded.updated_at`,
          ).run(emailConfigParameters(config));
        }),
    },

    chatSessions: {
      create: (session) => run(() => insertChatSession(session)),
      get: (id) =>
        run(() => {
          const row = get('SELECT * FROM chat_sessions WHERE id = ?', [requireString('id', id)]);
          return row ? chatSessionFromRow(row) : null;
        }),
      append: (id, messages, usage, updatedAt) =>
        run(() => appendToChatSession(requireString('id', id), messages, usage, updatedAt)),
      list: (page) =>
        run(() =>
          all(
            'SELECT * FROM chat_sessions ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?',
            pageParameters(page),
          ).map(chatSessionFromRow),
        ),
      delete: (id) =>
        run(
          () => statement('DELETE FROM chat_sessions WHERE id = ?').run(requireString('id', id)).changes > 0,
        ),
      count: () => run(() => count('SELECT count(*) FROM chat_sessions')),
    },

    promptHistory: {
      insert: (entry) => run(() => insertPromptEntry(entry)),
      list: (options) =>
        run(() => {
          const [limit, offset] = pageParameters(options);
          const sessionId = options?.sessionId;
          const rows =
            sessionId === undefined
              ? all('SELECT * FROM prompt_history ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?', [
                  limit,
                  offset,
                ])
              : all(
                  'SELECT * FROM prompt_history WHERE session_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
                  [requireString('sessionId', sessionId), limit, offset],
                );
          return rows.map(promptHistoryFromRow);
        }),
      count: () => run(() => count('SELECT count(*) FROM prompt_history')),
    },

    silences: {
      create: (silence: Silence) =>
        run(() => {
          statement(
            `INSERT INTO silences (${SILENCE_COLUMNS}) VALUES (${placeholders(SILENCE_COLUMNS)})`,
          ).run(silenceParameters(silence));
        }),
      get: (id) =>
        run(() => {
          const row = get('SELECT * FROM silences WHERE id = ?', [requireString('id', id)]);
          return row ? silenceFromRow(row) : null;
        }),
      delete: (id) =>
        run(() => statement('DELETE FROM silences WHERE id = ?').run(requireString('id', id)).changes > 0),
      list: (options) =>
        run(() => {
          const activeAt = options?.activeAt;
          const rows =
            activeAt === undefined
              ? all('SELECT * FROM silences ORDER BY ends_at, id')
              : all('SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY ends_at, id', [
                  requireNumber('activeAt', activeAt),
                  activeAt,
                ]);
          return rows.map(silenceFromRow);
        }),
    },

    outbox: {
      enqueue: (notification) =>
        run(() => {
          requireString('dedupeKey', notification.dedupeKey);
          try {
            return enqueue(notification);
          } catch (error) {
            // Another connection enqueued the same dedupeKey between the check and the insert.
            if ((error as Error).message?.includes('outbox.dedupe_key')) return false;
            throw error;
          }
        }),
      claim: (claimOptions) =>
        run(() => {
          const { now, limit, leaseMs } = resolveClaimOptions(claimOptions);
          const rows = all(
            `UPDATE outbox SET status = 'in_flight', lease_until = ?, attempts = attempts + 1, updated_at = ?
             WHERE id IN (
               SELECT id FROM outbox
               WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'in_flight' AND lease_until <= ?)
               ORDER BY next_attempt_at ASC, id ASC LIMIT ?
             ) RETURNING *`,
            [now + leaseMs, now, now, now, limit],
          );
          return rows
            .map(notificationFromRow)
            .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        }),
      complete: (id, deliveredAt) =>
        run(() =>
          transition(
            requireString('id', id),
            "status = 'delivered', delivered_at = ?, lease_until = NULL, updated_at = ?",
            [deliveredAt, deliveredAt],
            true,
          ),
        ),
      retry: (id, retryOptions) =>
        run(() =>
          transition(
            requireString('id', id),
            "status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL, updated_at = ?",
            [retryOptions.nextAttemptAt, retryOptions.error, retryOptions.at ?? Date.now()],
            false,
          ),
        ),
      fail: (id, failOptions) =>
        run(() =>
          transition(
            requireString('id', id),
            "status = 'failed', last_error = ?, lease_until = NULL, updated_at = ?",
            [failOptions.error, failOptions.at],
            true,
          ),
        ),
      get: (id) =>
        run(() => {
          const row = get('SELECT * FROM outbox WHERE id = ?', [requireString('id', id)]);
          return row ? notificationFromRow(row) : null;
        }),
      list: (options) =>
        run(() => {
          const status = resolveNotificationStatus(options?.status);
          const [limit, offset] = pageParameters(options);
          const rows =
            status === undefined
              ? all('SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?', [
                  limit,
                  offset,
                ])
              : all(
                  'SELECT * FROM outbox WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
                  [status, limit, offset],
                );
          return rows.map(notificationFromRow);
        }),
      count: (options) =>
        run(() => {
          const status = resolveNotificationStatus(options?.status);
          return status === undefined
            ? count('SELECT count(*) FROM outbox')
            : count('SELECT count(*) FROM outbox WHERE status = ?', [status]);
        }),
    },

    close() {
      if (closed) return Promise.resolve();
      closed = true;
      statements.clear();
      rawStatements.clear();
      try {
        if (ownsDatabase && database.open) database.close();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(storageError('Cannot close the SQLite store at', error));
      }
    },
  };
  return store;
}
