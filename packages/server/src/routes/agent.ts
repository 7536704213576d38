import { type EmailConfig, errorMessage, type NotificationPayload, PromptheusError } from '@promptheus/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { parseBody } from '../http/input.js';
import type { TestDeliveryResult } from '../types.js';
import type { RouteContext } from './context.js';
import { notifierStatuses } from './status.js';

const recipientSchema = z.email('must be an email address').max(254);

/** Body of `PUT /agent/email-config`. `recipients` may also be a comma-separated string. */
export const emailConfigBodySchema = z.object({
  enabled: z.boolean(),
  recipients: z
    .union([
      z.array(z.string().trim()).max(100),
      z
        .string()
        .max(25_000)
        .transform((value) =>
          value
            .split(/[,;\s]+/)
            .map((recipient) => recipient.trim())
            .filter((recipient) => recipient !== ''),
        ),
    ])
    .pipe(z.array(recipientSchema).max(100, 'at most 100 recipients')),
});

const hints: Readonly<Record<string, string>> = {
  email: 'set SMTP_HOST (and SMTP_USER/SMTP_PASSWORD when the server needs them)',
  slack: 'set SLACK_ENABLED=true and SLACK_WEBHOOK_URL',
};

/** Email configuration, Slack status and test notifications. */
export function registerAgentRoutes(app: Hono, context: RouteContext): void {
  const { store, clock } = context;

  const emailView = async (config: EmailConfig | null) => {
    const status = (await notifierStatuses(context))['email'] ?? {
      enabled: false,
      configured: false,
      detail: `email notifications are not configured: ${hints['email']}`,
    };
    return {
      enabled: config?.enabled ?? false,
      recipients: config?.recipients ?? [],
      updatedAt: config?.updatedAt ?? null,
      status,
    };
  };

  app.get('/agent/email-config', async (c) => c.json(await emailView(await store.emailConfig.get())));

  app.put('/agent/email-config', async (c) => {
    const body = await parseBody(c, emailConfigBodySchema);
    const config: EmailConfig = {
      enabled: body.enabled,
      recipients: [...new Set(body.recipients.map((recipient) => recipient.toLowerCase()))],
      updatedAt: clock(),
    };
    await store.emailConfig.set(config);
    context.logger.info('email config updated', {
      enabled: config.enabled,
      recipients: config.recipients.length,
    });
    return c.json(await emailView(config));
  });

  app.get('/agent/slack-status', async (c) => {
    const status = (await notifierStatuses(context))['slack'];
    return c.json({
      enabled: status?.enabled ?? false,
      configured: status?.configured ?? false,
      ...(status?.detail ? { detail: status.detail } : {}),
    });
  });

  const sendTest = async (channel: string): Promise<TestDeliveryResult> => {
    const notifier = context.notifiers.find((candidate) => candidate.name === channel);
    if (!notifier) {
      throw new HttpError(
        409,
        'config',
        `${channel} notifications are not configured: ${hints[channel] ?? ''}`,
      );
    }
    const status = (await notifierStatuses(context))[channel];
    if (status && !status.configured) {
      throw new HttpError(
        409,
        'config',
        `${channel} notifications are not configured: ${status.detail ?? hints[channel] ?? ''}`,
      );
    }
    if (context.dispatcher?.test) return context.dispatcher.test(channel);
    const payload: NotificationPayload = {
      kind: 'test',
      title: 'Promptheus test notification',
      severity: 'low',
      alerts: [],
      url: context.config.publicUrl,
      createdAt: clock(),
    };
    try {
      await notifier.send(payload, { signal: AbortSignal.timeout(15_000) });
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        error: PromptheusError.isInstance(error) ? error.message : errorMessage(error),
      };
    }
  };

  for (const channel of ['email', 'slack'] as const) {
    app.post(`/agent/test-${channel}`, async (c) => {
      await parseBody(c, z.unknown());
      const result = await sendTest(channel);
      context.logger.info('test notification', { channel, ok: result.ok });
      if (!result.ok) {
        throw new HttpError(
          502,
          'notification',
          `Test ${channel} failed: ${result.error ?? 'unknown error'}`,
        );
      }
      return c.json({ ok: true, channel });
    });
  }
}
