import {
  createId,
  httpUrlSchema,
  idSchema,
  redactTarget,
  type Target,
  type TargetPatch,
  targetAuthSchema,
  targetSchema,
} from '@promptheus/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { parseBody, parseParam } from '../http/input.js';
import type { RouteContext } from './context.js';

const selectorsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(1024)
      .regex(/^[^\r\n]*$/, 'must be one line'),
  )
  .max(100);

/** Body of `POST /targets`. */
export const createTargetBodySchema = z.object({
  name: targetSchema.shape.name,
  url: httpUrlSchema,
  enabled: z.boolean().optional(),
  selectors: selectorsSchema.optional(),
  auth: targetAuthSchema.nullable().optional(),
});

/** Body of `PUT /targets/:id` and `PATCH /targets/:id`: the fields to change. `auth: null` removes credentials. */
export const updateTargetBodySchema = createTargetBodySchema.partial();

/** Targets (Prometheus servers the monitor collects from). Credentials are never returned. */
export function registerTargetRoutes(app: Hono, context: RouteContext): void {
  const { store, clock } = context;

  app.get('/targets', async (c) => {
    const items = (await store.targets.list()).map(redactTarget);
    return c.json({ items, total: items.length });
  });

  app.post('/targets', async (c) => {
    const body = await parseBody(c, createTargetBodySchema);
    const now = clock();
    const target: Target = {
      id: createId(now),
      name: body.name,
      url: body.url,
      enabled: body.enabled ?? true,
      selectors: body.selectors ?? [],
      auth: body.auth ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await store.targets.create(target);
    context.logger.info('target created', { name: target.name });
    return c.json({ target: redactTarget(target) }, 201);
  });

  app.get('/targets/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    const target = await store.targets.get(id);
    if (!target) throw new HttpError(404, 'not_found', `No target with id ${id}`);
    return c.json({ target: redactTarget(target) });
  });

  const update = async (id: string, body: z.infer<typeof updateTargetBodySchema>) => {
    const patch: { -readonly [Key in keyof TargetPatch]: TargetPatch[Key] } = { updatedAt: clock() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.url !== undefined) patch.url = body.url;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    if (body.selectors !== undefined) patch.selectors = body.selectors;
    if (body.auth !== undefined) patch.auth = body.auth;
    const target = await store.targets.update(id, patch);
    if (!target) throw new HttpError(404, 'not_found', `No target with id ${id}`);
    return target;
  };

  for (const method of ['put', 'patch'] as const) {
    app[method]('/targets/:id', async (c) => {
      const id = parseParam(c, 'id', idSchema);
      const body = await parseBody(c, updateTargetBodySchema);
      return c.json({ target: redactTarget(await update(id, body)) });
    });
  }

  app.delete('/targets/:id', async (c) => {
    const id = parseParam(c, 'id', idSchema);
    if (!(await store.targets.delete(id))) throw new HttpError(404, 'not_found', `No target with id ${id}`);
    context.logger.info('target deleted', { id });
    return c.body(null, 204);
  });
}
