import type { AnomalyQuery, PageOptions, StoreOptions } from '../contracts/store.js';
import { PromptheusError } from '../errors.js';
import type { AnomalyStatus } from '../model/anomaly.js';
import { SEVERITIES, type Severity } from '../model/common.js';
import type { NotificationStatus } from '../model/notification.js';

/** Default page size of store list methods. */
export const DEFAULT_PAGE_LIMIT = 20;

/** Default retention of a store: records kept per collection. */
export const DEFAULT_MAX_DOCS = 100;

/** Paging options with defaults applied and values checked. */
export interface ResolvedPage {
  readonly limit: number;
  readonly offset: number;
}

/** An anomaly query with defaults applied and every value checked to be a primitive of the right type. */
export interface ResolvedAnomalyQuery extends ResolvedPage {
  readonly status: AnomalyStatus | undefined;
  readonly severity: Severity | undefined;
  readonly since: number | undefined;
  readonly target: string | undefined;
}

const ANOMALY_STATUSES: readonly AnomalyStatus[] = ['firing', 'resolved'];
const NOTIFICATION_STATUSES: readonly NotificationStatus[] = ['pending', 'in_flight', 'delivered', 'failed'];

const describeValue = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
};

const invalid = (name: string, expected: string, value: unknown) =>
  new PromptheusError('invalid_input', `${name} must be ${expected} (got ${describeValue(value)})`, {
    details: { field: name },
  });

function nonNegativeInteger(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(name, 'a non-negative integer', value);
  }
  return value;
}

/**
 * Names the kind of a wrong option value for a configuration error: `null`, `an array` or its
 * `typeof`, never the value itself (connection options may hold credentials).
 *
 * @example
 * ```ts
 * `createSqliteStore needs { path } or { database } (got ${describeKind(connection)})`
 * ```
 */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * Checks that a value handed to a store is a string (an id, a fingerprint, a name), so that no
 * object can reach a database query as an operator. Throws `invalid_input` naming `name` otherwise.
 *
 * @example
 * ```ts
 * requireString('id', request.params.id); // returns the string, or throws for `{ $ne: null }`
 * ```
 */
export function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(name, 'a string', value);
  return value;
}

/**
 * Checks that a value is a finite number (a time in ms, a threshold). Throws `invalid_input`
 * naming `name` otherwise.
 */
export function requireNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(name, 'a finite number', value);
  return value;
}

/**
 * Applies the defaults of {@link StoreOptions} and checks them. Throws `config` when `maxDocs` is
 * not a positive integer or `Infinity`.
 *
 * @example
 * ```ts
 * const { maxDocs } = resolveStoreOptions({ maxDocs: 500 });
 * ```
 */
export function resolveStoreOptions(options: StoreOptions = {}): { readonly maxDocs: number } {
  const maxDocs = options.maxDocs ?? DEFAULT_MAX_DOCS;
  if (maxDocs !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxDocs) || maxDocs < 1)) {
    throw new PromptheusError(
      'config',
      `maxDocs must be a positive integer or Infinity (got ${describeValue(maxDocs)}); set MAX_DOCS or the store's maxDocs option`,
      { details: { field: 'maxDocs' } },
    );
  }
  return { maxDocs };
}

/**
 * Applies the paging defaults (`limit` 20, `offset` 0) and checks both are non-negative integers.
 * Throws `invalid_input` naming the option otherwise.
 */
export function resolvePage(options: PageOptions = {}): ResolvedPage {
  return {
    limit: nonNegativeInteger('limit', options.limit, DEFAULT_PAGE_LIMIT),
    offset: nonNegativeInteger('offset', options.offset, 0),
  };
}

/**
 * Checks an {@link AnomalyQuery}: `status` and `severity` must be one of their values, `since` a
 * non-negative integer, `target` a string. Every value that comes out is a primitive, so it is safe
 * to put into a database filter. Throws `invalid_input` naming the field otherwise.
 */
export function resolveAnomalyQuery(query: AnomalyQuery = {}): ResolvedAnomalyQuery {
  const { status, severity, since, target } = query;
  if (status !== undefined && !ANOMALY_STATUSES.includes(status)) {
    throw invalid('status', `one of ${ANOMALY_STATUSES.join(', ')}`, status);
  }
  if (severity !== undefined && !SEVERITIES.includes(severity)) {
    throw invalid('severity', `one of ${SEVERITIES.join(', ')}`, severity);
  }
  if (target !== undefined) requireString('target', target);
  return {
    ...resolvePage(query),
    status,
    severity,
    since: since === undefined ? undefined : nonNegativeInteger('since', since),
    target,
  };
}

/** Checks an optional notification status filter. Throws `invalid_input` for anything but a status. */
export function resolveNotificationStatus(status: unknown): NotificationStatus | undefined {
  if (status === undefined) return undefined;
  if (!NOTIFICATION_STATUSES.includes(status as NotificationStatus)) {
    throw invalid('status', `one of ${NOTIFICATION_STATUSES.join(', ')}`, status);
  }
  return status as NotificationStatus;
}

/** Checks an optional boolean filter. Throws `invalid_input` naming `name` for anything but a boolean. */
export function resolveOptionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(name, 'true or false', value);
  return value;
}

/** Checks the options of `OutboxRepository.claim`: `now` and `leaseMs` non-negative integers, `limit` a non-negative integer. */
export function resolveClaimOptions(options: {
  readonly now: number;
  readonly limit: number;
  readonly leaseMs: number;
}): {
  readonly now: number;
  readonly limit: number;
  readonly leaseMs: number;
} {
  return {
    now: nonNegativeInteger('now', options.now),
    limit: nonNegativeInteger('limit', options.limit),
    leaseMs: nonNegativeInteger('leaseMs', options.leaseMs),
  };
}
