import {
  type AnomalyQuery,
  type NotificationStatus,
  requireNumber,
  requireString,
  resolveAnomalyQuery,
  resolveClaimOptions,
  resolveNotificationStatus,
  resolveOptionalBoolean,
  resolvePage,
} from '@promptheus/core';

/**
 * Query filters for the MongoDB store. Every value that reaches a filter passes through a check
 * that accepts only a primitive of the expected type (a string, a finite number, a boolean or one
 * of a fixed set of words), so an object such as `{ "$ne": null }` coming from a request can never
 * become a query operator: it fails with code `invalid_input` instead.
 */

/** A MongoDB filter built only from checked primitive values (operators come from this module only). */
export type SafeFilter = Readonly<Record<string, unknown>>;

/** Sort, skip and limit of a list query. `limit` 0 means "return nothing" (MongoDB would read it as "no limit"). */
export interface ListWindow {
  readonly sort: Readonly<Record<string, 1 | -1>>;
  readonly skip: number;
  readonly limit: number;
}

/** Matches the record with this id. */
export function byId(id: unknown): SafeFilter {
  return { _id: requireString('id', id) };
}

/** The filter, sort and window of `AnomalyRepository.list` / `count`: newest `startsAt` first. */
export function anomalyListQuery(query: AnomalyQuery | undefined): {
  filter: SafeFilter;
  window: ListWindow;
} {
  const resolved = resolveAnomalyQuery(query);
  const filter: Record<string, unknown> = {};
  if (resolved.status !== undefined) filter.status = resolved.status;
  if (resolved.severity !== undefined) filter.severity = resolved.severity;
  if (resolved.since !== undefined) filter.startsAt = { $gte: resolved.since };
  if (resolved.target !== undefined) filter.target = resolved.target;
  return {
    filter,
    window: { sort: { startsAt: -1, _id: -1 }, skip: resolved.offset, limit: resolved.limit },
  };
}

/** The firing anomaly of a fingerprint. */
export function firingByFingerprint(fingerprint: unknown): SafeFilter {
  return { fingerprint: requireString('fingerprint', fingerprint), status: 'firing' };
}

/** A newest-first window on a time field, ties broken by id descending. */
export function newestFirst(
  timeField: string,
  page: { readonly limit?: number; readonly offset?: number } | undefined,
): ListWindow {
  const { limit, offset } = resolvePage(page);
  return { sort: { [timeField]: -1, _id: -1 }, skip: offset, limit };
}

/** RCAs of one anomaly. */
export function rcaByAnomaly(anomalyId: unknown): SafeFilter {
  return { anomalyId: requireString('anomalyId', anomalyId) };
}

/** RCAs of a fingerprint created at or after `since`. */
export function rcaByFingerprint(fingerprint: unknown, since: unknown): SafeFilter {
  const filter: Record<string, unknown> = {
    fingerprint: requireString('fingerprint', fingerprint),
  };
  if (since !== undefined) filter.createdAt = { $gte: requireNumber('since', since) };
  return filter;
}

/** Targets, optionally only enabled or disabled ones. */
export function targetsFilter(enabled: unknown): SafeFilter {
  const checked = resolveOptionalBoolean('enabled', enabled);
  return checked === undefined ? {} : { enabled: checked };
}

/** Prompt history, optionally of one chat session. */
export function promptHistoryFilter(sessionId: unknown): SafeFilter {
  return sessionId === undefined ? {} : { sessionId: requireString('sessionId', sessionId) };
}

/** Silences active at a time (startsAt <= t < endsAt), or all. */
export function silencesFilter(activeAt: unknown): SafeFilter {
  if (activeAt === undefined) return {};
  const time = requireNumber('activeAt', activeAt);
  return { startsAt: { $lte: time }, endsAt: { $gt: time } };
}

/** Notifications, optionally of one status. */
export function outboxFilter(status: unknown): SafeFilter {
  const checked: NotificationStatus | undefined = resolveNotificationStatus(status);
  return checked === undefined ? {} : { status: checked };
}

/** Notifications that may be claimed at `now`: due pending ones and in-flight ones whose lease expired. */
export function claimableFilter(options: {
  readonly now: number;
  readonly limit: number;
  readonly leaseMs: number;
}): {
  filter: SafeFilter;
  now: number;
  limit: number;
  leaseMs: number;
} {
  const { now, limit, leaseMs } = resolveClaimOptions(options);
  return {
    filter: {
      $or: [
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { status: 'in_flight', leaseUntil: { $lte: now } },
      ],
    },
    now,
    limit,
    leaseMs,
  };
}

/** Notifications not finished yet: the only ones `complete`, `retry` and `fail` change. */
export function unfinishedById(id: unknown): SafeFilter {
  return { _id: requireString('id', id), status: { $in: ['pending', 'in_flight'] } };
}
