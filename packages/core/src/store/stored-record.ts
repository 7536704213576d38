/**
 * The part of a zod schema a store needs to check the records it reads back (a zod schema fits).
 */
export interface StoredRecordSchema<Output> {
  /** Checks `value` without throwing: the parsed record, or the issues that make it invalid. */
  safeParse(value: unknown):
    | { readonly success: true; readonly data: Output }
    | {
        readonly success: false;
        readonly error: {
          readonly issues: ReadonlyArray<{
            readonly path: ReadonlyArray<PropertyKey>;
            readonly message: string;
          }>;
        };
      };
}

/**
 * Parses a record a store read back (a row, a document) with the record's schema: unknown fields
 * are dropped and fields added by later versions get their defaults. A record that is not valid
 * throws the error `invalid` builds from the first problem, such as
 * `labels.job: Invalid input: expected string, received number` (`whole` names the record itself
 * when the problem is not in one field).
 *
 * @example
 * ```ts
 * const anomaly = parseStoredRecord(anomalySchema, document, (problem) =>
 *   new PromptheusError('storage', `anomaly ${id} is not a valid record: ${problem}`),
 * );
 * ```
 */
export function parseStoredRecord<Output>(
  schema: StoredRecordSchema<Output>,
  candidate: unknown,
  invalid: (problem: string) => Error,
  whole = 'record',
): Output {
  const result = schema.safeParse(candidate);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalid(`${issue?.path.map(String).join('.') || whole}: ${issue?.message ?? 'invalid'}`);
}
