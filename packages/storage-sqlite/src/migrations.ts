import type BetterSqlite3 from 'better-sqlite3';

/**
 * Schema migrations, applied in order. The database's `PRAGMA user_version` holds the number of
 * migrations applied; a migration is never edited once released, only followed by a new one.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: every collection of the Store contract. */ `
  CREATE TABLE snapshots (
    id TEXT PRIMARY KEY NOT NULL,
    timestamp INTEGER NOT NULL,
    count INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    targets TEXT NOT NULL,
    errors TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX snapshots_newest ON snapshots (timestamp DESC, id DESC);

  CREATE TABLE anomalies (
    id TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL,
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    value REAL,
    score REAL NOT NULL,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL,
    detector TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    evidence TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,
    updated_at INTEGER NOT NULL,
    acknowledged_at INTEGER
  );
  CREATE INDEX anomalies_newest ON anomalies (starts_at DESC, id DESC);
  CREATE INDEX anomalies_status_newest ON anomalies (status, starts_at DESC, id DESC);
  CREATE UNIQUE INDEX anomalies_firing_fingerprint ON anomalies (fingerprint) WHERE status = 'firing';

  CREATE TABLE rca (
    id TEXT PRIMARY KEY NOT NULL,
    anomaly_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    summary TEXT NOT NULL,
    simplified TEXT NOT NULL,
    cause TEXT NOT NULL,
    fix TEXT NOT NULL,
    source TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    usage TEXT,
    fallback_reason TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX rca_newest ON rca (created_at DESC, id DESC);
  CREATE INDEX rca_anomaly ON rca (anomaly_id, created_at DESC, id DESC);
  CREATE INDEX rca_fingerprint ON rca (fingerprint, created_at DESC, id DESC);

  CREATE TABLE targets (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    selectors TEXT NOT NULL,
    auth TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE email_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    enabled INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE chat_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    messages TEXT NOT NULL,
    usage TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX chat_sessions_newest ON chat_sessions (updated_at DESC, id DESC);

  CREATE TABLE prompt_history (
    id TEXT PRIMARY KEY NOT NULL,
    prompt TEXT NOT NULL,
    promql TEXT,
    intent TEXT NOT NULL,
    success INTEGER NOT NULL,
    error TEXT,
    translator TEXT,
    latency_ms REAL NOT NULL,
    usage TEXT,
    session_id TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX prompt_history_newest ON prompt_history (created_at DESC, id DESC);
  CREATE INDEX prompt_history_session ON prompt_history (session_id, created_at DESC, id DESC);

  CREATE TABLE silences (
    id TEXT PRIMARY KEY NOT NULL,
    matchers TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX silences_ends ON silences (ends_at, id);

  CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    channel TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    group_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
  CREATE INDEX outbox_newest ON outbox (created_at DESC, id DESC);
  CREATE INDEX outbox_status_newest ON outbox (status, created_at DESC, id DESC);
  `,
];

/** The schema version this package writes: the number of {@link MIGRATIONS}. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads `PRAGMA user_version`. */
export function schemaVersion(database: BetterSqlite3.Database): number {
  return database.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations the database has not seen yet, each in its own immediate transaction
 * (so two processes opening the same new file do not both migrate it). Returns the version
 * before and after, or throws a plain Error the caller turns into a storage error.
 */
export function migrate(database: BetterSqlite3.Database): { readonly from: number; readonly to: number } {
  const from = schemaVersion(database);
  if (from > SCHEMA_VERSION) {
    throw new Error(
      `its schema version is ${from}, newer than version ${SCHEMA_VERSION} this @promptheus/storage-sqlite knows; upgrade the package`,
    );
  }
  for (let index = from; index < SCHEMA_VERSION; index++) {
    const apply = database.transaction(() => {
      // Another process may have migrated while this one waited for the write lock.
      if (schemaVersion(database) !== index) return;
      database.exec(MIGRATIONS[index]!);
      database.pragma(`user_version = ${index + 1}`);
    });
    apply.immediate();
  }
  return { from, to: SCHEMA_VERSION };
}
