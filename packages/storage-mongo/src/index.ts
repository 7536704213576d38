/**
 * MongoDB store for Promptheus on the official mongodb driver.
 *
 * @packageDocumentation
 * @module @promptheus/storage-mongo
 */
export { COLLECTIONS, EMAIL_CONFIG_ID, fromDocument, type StoredDocument, toDocument } from './documents.js';
export * from './filters.js';
export {
  createMongoStore,
  INDEXES,
  type MongoClientConnection,
  type MongoConnectionOptions,
  type MongoStore,
  type MongoUriConnection,
} from './mongo-store.js';
