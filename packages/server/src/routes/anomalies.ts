import {
  type Anomaly,
  anomalyStatusSchema,
  createId,
  idSchema,
  type Matcher,
  matcherSchema,
  type Silence,
  severitySchema,
} from '@promptheus/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { integerParam, parseBody, parseParam, parseQuery, timeParam } from '../http/input.js';
import type { RouteContext } from './context.js';

const maxSilenceMs = 366 * 86_400_000;

/** A duration: seconds as a number, or a string such as `90s`, `15m`, `2h`, `7d`. */
export const durationSchema = z.union([
  z
    .number()
    .int()
    .positive()
    .max(maxSilenceMs / 1000),
  z
    .string()
    .regex(/^\d{1,9}(s|m|h|d|w)$/, 'must be a duration such as 30m, 2h or 7d')
    .transform((value) => {
      const amount = Number(value.slice(0, -1));
      const unit = value.slice(-1);
      const seconds = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[unit] ?? 1;
      return amount * seconds;
    })
    .pipe(
      z
        .number()
        .positive()
        .max(maxSilenceMs / 1000, 'must be at most 366 days'),
    ),
]);

/** A point in time in a body: ms since the epoch or an ISO 8601 date. */
const bodyTimeSchema = z.union([
  z.number().int().nonnegative().max(8.64e15),
  z
    .string()
    .max(64)
    .transform((value, check) => {
      const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(time)) {
        check.addIssue({
          code: 'custom',
          message: 'must be an ISO 8601 date or milliseconds since the epoch',
        });
        return z.NEVER;
      }
      return time;
    }),
]);

const regexMatcherSchema = matcherSchema.superRefine((matcher, check) => {
  if (!matcher.isRegex) return;
  try {
    new RegExp(`^(?:${matcher.value})$`);
  } catch {
    check.addIssue({ code: 'custom', path: ['value'], message: 'is not a valid regular expression' });
  }
});

/** Body of `POST /silences`. */
export const createSilenceBodySchema = z
  .object({
    matchers: z.array(regexMatcherSchema).min(1).max(32),
    startsAt: bodyTimeSchema.optional(),
    endsAt: bodyTimeSchema.optional(),
    /** Used when `endsAt` is absent. */
    duration: durationSchema.optional(),
    createdBy: z.string().max(128).optional(),
    comment: z.string().max(1024).optional(),
  })
  .refine((body) => body.endsAt !== undefined || body.duration !== undefined, {
    message: 'give endsAt or duration',
    path: ['endsAt'],
  });

/** Body of `POST /anomalies/:id/silence`. */
export const silenceAnomalyBodySchema = z
  .object({
    duration: durationSchema.default(3600),
    createdBy: z.string().max(128).optional(),
    comment: z.string().max(1024).optional(),
  })
  .optional();

/** Matchers that select exactly the series of an anomaly. */
export function matchersForAnomaly(anomaly: Anomaly): Matcher[] {
  const matchers: Matcher[] = [
    { name: '__name__', value: anomaly.metric, isRegex: false, isEqual: true },
    { name: 'target', value: anomaly.target, isRegex: false, isEqual: true },
    { name: 'detector', value: anomaly.detector, isRegex: false, isEqual: true },
  ];
  for (const [name, value] of Object.entries(anomaly.labels)) {
    if (matchers.length >= 32) break;
    if (name === 'target' || name === 'detector') continue;
    matchers.push({ name, value: value.slice(0, 1024), isRegex: false, isEqual: true });
  }
  return matchers;
}

/** Anomalies, their RCA, acknowledgements and silences. */
export function registerAnomalyRoutes(app: Hono, context: RouteContext): void {
  const { store, clock } = context;

  const pageQuery = {
    limit: integerParam({ min: 1, max: 500, default: 20 }),
    offset: integerParam({ min: 0, max: 1_000_000, default: 0 }),
  };
  const anomalyQuery = z.object({
    ...pageQuery,
    status: anomalyStatusSchema.optional(),
    severity: severitySchema.optional(),
    since: timeParam(clock),
    target: z.string().min(1).max(64).optional(),
    include: z.enum(['rca']).optional(),
  });

  app.get('/anomalies', async (c) => {
    const query = parseQuery(c, anomalyQuery);
    const filter = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.target ? { target: query.target } : {}),
    };
    const [anomalies, total] = await Promise.all([
      store.anomalies.list({ ...filter, limit: query.limit, offset: query.offset }),
      store.anomalies.count(filter),
    ]);
    const items =
      query.include === 'rca'
        ? await Promise.all(
            anomalies.map(async (anomaly) => ({ ...anomaly, rca: await store.rca.getByAnomaly(anomaly.id) })),
          )
        : anomalies;
    return c.json({ items, total, limit: query.limit, offset: query.offset });
  });

  const findAnomaly = async (id: string): Promise<Anomaly> => {
    const anomaly = await store.anomalies.get(id);
    if (!anomaly) throw new HttpError(404, 'not_found', `No anomaly with id ${id}`);
    return anomaly;
  };

  app.get('/anomalies/:id', async (c) => {
    const anomaly = await findAnomaly(parseParam(c, 'id', idSchema));
    const rca = await store.rca.getByAnomaly(anomaly.id);
    return c.json({ anomaly, rca });
  });

  app.post('/anomalies/:id/ack', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    const anomaly = await findAnomaly(id);
    if (anomaly.acknowledgedAt !== null) return c.json({ anomaly });
    const now = clock();
    const updated = await store.anomalies.update(id, { acknowledgedAt: now, updatedAt: now });
    if (!updated) throw new HttpError(404, 'not_found', `No anomaly with id ${id}`);
    return c.json({ anomaly: updated });
  });

  app.delete('/anomalies/:id/ack', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    await findAnomaly(id);
    const updated = await store.anomalies.update(id, { acknowledgedAt: null, updatedAt: clock() });
    if (!updated) throw new HttpError(404, 'not_found', `No anomaly with id ${id}`);
    return c.json({ anomaly: updated });
  });

  app.post('/anomalies/:id/silence', async (c) => {
    const anomaly = await findAnomaly(parseParam(c, 'id', idSchema));
    const body = (await parseBody(c, silenceAnomalyBodySchema)) ?? { duration: 3600 };
    const now = clock();
    const silence: Silence = {
      id: createId(now),
      matchers: matchersForAnomaly(anomaly),
      startsAt: now,
      endsAt: now + body.duration * 1000,
      createdBy: body.createdBy ?? '',
      comment: body.comment ?? `Silenced from anomaly ${anomaly.id}`,
      createdAt: now,
    };
    await store.silences.create(silence);
    return c.json({ silence }, 201);
  });

  app.get('/rca', async (c) => {
    const { limit, offset } = parseQuery(c, z.object(pageQuery));
    const [items, total] = await Promise.all([store.rca.list({ limit, offset }), store.rca.count()]);
    return c.json({ items, total, limit, offset });
  });

  const silenceQuery = z.object({ active: z.enum(['true', 'false']).optional() });
  app.get('/silences', async (c) => {
    const { active } = parseQuery(c, silenceQuery);
    const now = clock();
    const all = await store.silences.list(active === 'true' ? { activeAt: now } : {});
    const items =
      active === 'false' ? all.filter((silence) => silence.startsAt > now || silence.endsAt <= now) : all;
    return c.json({ items, total: items.length });
  });

  app.post('/silences', async (c) => {
    const body = await parseBody(c, createSilenceBodySchema);
    const now = clock();
    const startsAt = body.startsAt ?? now;
    const endsAt = body.endsAt ?? startsAt + (body.duration ?? 0) * 1000;
    if (endsAt <= startsAt) {
      throw new HttpError(400, 'invalid_input', 'Invalid body: endsAt: must be after startsAt', {
        fields: [{ path: 'endsAt', message: 'must be after startsAt' }],
      });
    }
    if (endsAt - startsAt > maxSilenceMs) {
      throw new HttpError(400, 'invalid_input', 'Invalid body: endsAt: a silence lasts at most 366 days', {
        fields: [{ path: 'endsAt', message: 'a silence lasts at most 366 days' }],
      });
    }
    const silence: Silence = {
      id: createId(now),
      matchers: body.matchers,
      startsAt,
      endsAt,
      createdBy: body.createdBy ?? '',
      comment: body.comment ?? '',
      createdAt: now,
    };
    await store.silences.create(silence);
    return c.json({ silence }, 201);
  });

  app.get('/silences/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    const silence = await store.silences.get(id);
    if (!silence) throw new HttpError(404, 'not_found', `No silence with id ${id}`);
    return c.json({ silence });
  });

  app.delete('/silences/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    if (!(await store.silences.delete(id))) throw new HttpError(404, 'not_found', `No silence with id ${id}`);
    return c.body(null, 204);
  });
}
