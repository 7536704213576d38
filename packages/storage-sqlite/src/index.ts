/**
 * SQLite store for Promptheus on better-sqlite3: the embedded default.
 *
 * @packageDocumentation
 * @module @promptheus/storage-sqlite
 */
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export {
  createSqliteStore,
  type SqliteConnectionOptions,
  type SqliteDatabaseOptions,
  type SqlitePathOptions,
  type SqliteStore,
} from './sqlite-store.js';
