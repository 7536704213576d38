import {
  anomalySchema,
  chatSessionSchema,
  type EmailConfig,
  emailConfigSchema,
  metricSnapshotSchema,
  notificationSchema,
  PromptheusError,
  parseStoredRecord,
  promptHistoryEntrySchema,
  rcaSchema,
  type StoredRecordSchema,
  silenceSchema,
  targetSchema,
} from '@promptheus/core';

/**
 * Records are stored as documents whose `_id` is the record's `id`; every other field keeps its
 * name and value. Documents read back are parsed with the record's zod schema: unknown fields are
 * dropped, fields added by later versions get their defaults, and a document that is not a valid
 * record fails with code `storage` naming the collection and the id.
 */

/** A stored document: the record without `id`, with `_id` instead. */
export type StoredDocument = { _id: string } & Record<string, unknown>;

/** The collections of the MongoDB store and the schema of their records. */
export const COLLECTIONS = {
  snapshots: { name: 'metrics', schema: metricSnapshotSchema },
  anomalies: { name: 'anomalies', schema: anomalySchema },
  rca: { name: 'rca', schema: rcaSchema },
  targets: { name: 'targets', schema: targetSchema },
  emailConfig: { name: 'email_config', schema: emailConfigSchema },
  chatSessions: { name: 'chat_sessions', schema: chatSessionSchema },
  promptHistory: { name: 'prompt_history', schema: promptHistoryEntrySchema },
  silences: { name: 'silences', schema: silenceSchema },
  outbox: { name: 'outbox', schema: notificationSchema },
} as const;

/** `_id` of the one email configuration document. */
export const EMAIL_CONFIG_ID = 'email_config';

/**
 * The document stored for a record: `_id` is the record's id. Values are copied (structured clone),
 * so later changes to the record do not reach the database driver's buffers or the caller's object.
 */
export function toDocument(record: { readonly id: string }): StoredDocument {
  const { id, ...rest } = structuredClone(record) as { id: string } & Record<string, unknown>;
  return { _id: id, ...rest };
}

/** The document stored for the email configuration. */
export function emailConfigToDocument(config: EmailConfig): StoredDocument {
  return { _id: EMAIL_CONFIG_ID, ...structuredClone(config) };
}

/**
 * Parses a stored document back into a record of `schema`. Throws `storage` naming the collection
 * and id when it is not valid.
 */
export function fromDocument<Output>(
  schema: StoredRecordSchema<Output>,
  collection: string,
  document: Readonly<Record<string, unknown>>,
  options: { readonly withId?: boolean } = {},
): Output {
  const { _id, ...rest } = document;
  const candidate = options.withId === false ? rest : { id: _id, ...rest };
  return parseStoredRecord(
    schema,
    candidate,
    (problem) =>
      new PromptheusError(
        'storage',
        `MongoDB document ${String(_id)} of collection ${collection} is not a valid record: ${problem}`,
        { details: { collection, id: String(_id) } },
      ),
    'document',
  );
}
