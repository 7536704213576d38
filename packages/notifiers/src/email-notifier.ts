import {
  type EmailConfig,
  emailConfigSchema,
  errorMessage,
  type NotificationPayload,
  type Notifier,
  type NotifierSendOptions,
  type NotifierStatus,
  PromptheusError,
} from '@promptheus/core';
import {
  anomalyLink,
  escapeHtml,
  formatSeries,
  formatValue,
  kindLabel,
  notificationColor,
  notificationLink,
  rcaLines,
  safeLink,
  singleLine,
  TEST_MESSAGE,
} from './format.js';
import { networkErrorCode, parseTimeout } from './http.js';

/** A message handed to an {@link EmailTransport} (the subset of nodemailer's mail options used here). */
export interface EmailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * What the email notifier sends through: a nodemailer transporter (`nodemailer.createTransport(...)`)
 * fits, as does anything with a compatible `sendMail`.
 */
export interface EmailTransport {
  /** Sends one message; rejects with the SMTP server's reply when it refuses. */
  sendMail(message: EmailMessage): Promise<unknown>;
  /** Closes pooled connections. */
  close?(): void;
}

/** SMTP server settings, as the `SMTP_*` environment variables give them. */
export interface SmtpOptions {
  /** SMTP host (`SMTP_HOST`). */
  readonly host: string;
  /** SMTP port (`SMTP_PORT`). @default 587 */
  readonly port?: number;
  /** Use TLS from the start (port 465). Otherwise STARTTLS is used when the server offers it. @default port === 465 */
  readonly secure?: boolean;
  /** Login (`SMTP_USER`); no authentication when absent. */
  readonly user?: string;
  /** Password (`SMTP_PASSWORD`). Never logged, never in errors. */
  readonly password?: string;
  /** Connection, greeting and socket timeout, in ms. @default 10000 */
  readonly timeoutMs?: number;
}

/** Where recipients and the enabled flag come from: a function, or the store's email config. */
export type EmailRecipientsSource =
  | (() => Promise<EmailConfig | null>)
  | {
      readonly emailConfig: {
        /** The saved configuration, or null when none was saved. */
        get(): Promise<EmailConfig | null>;
      };
    };

/** Options every email notifier takes, whatever it sends through. */
export interface EmailNotifierCommonOptions {
  /** The `From` address, e.g. `Promptheus <alerts@example.com>`. */
  readonly from: string;
  /**
   * Recipients and the enabled flag, read at every send and status call: pass the store (its
   * `emailConfig`) or a function. Email is sent only when the config is enabled and lists recipients.
   */
  readonly recipients: EmailRecipientsSource;
  /** Public URL of the Promptheus server, for links back to each anomaly. */
  readonly serverUrl?: string;
  /** Channel name used by the dispatcher. @default "email" */
  readonly name?: string;
  /** Put before every subject. @default "[Promptheus]" */
  readonly subjectPrefix?: string;
}

/** Options of {@link createEmailNotifier}: a transport you built, or SMTP settings. */
export type EmailNotifierOptions = EmailNotifierCommonOptions &
  (
    | { readonly transport: EmailTransport; readonly smtp?: undefined }
    | { readonly smtp: SmtpOptions; readonly transport?: undefined }
  );

/** Subject, text and HTML bodies of an alert email. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Renders a notification as an email: a one-line subject safe from header injection, a plain-text
 * body and an HTML body (every value from an anomaly is escaped) with each alert's series, severity,
 * value, reason and RCA (summary, plain-language explanation, cause, fix), and links to the server.
 */
export function renderEmail(
  payload: NotificationPayload,
  options: { readonly serverUrl?: string; readonly subjectPrefix?: string } = {},
): RenderedEmail {
  const prefix = options.subjectPrefix ?? '[Promptheus]';
  const subject = singleLine(`${prefix} ${kindLabel(payload)}: ${payload.title}`, 250);
  const mainLink = safeLink(notificationLink(payload, options.serverUrl));
  const color = notificationColor(payload);

  const text: string[] = [`${kindLabel(payload)}: ${singleLine(payload.title, 500)}`, ''];
  const html: string[] = [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#212121">',
    `<h2 style="border-left:6px solid ${color};padding-left:8px">${escapeHtml(kindLabel(payload))}: ${escapeHtml(singleLine(payload.title, 500))}</h2>`,
  ];
  if (payload.kind === 'test' && payload.alerts.length === 0) {
    text.push(TEST_MESSAGE, '');
    html.push(`<p>${escapeHtml(TEST_MESSAGE)}</p>`);
  }
  if (payload.alerts.length > 1) {
    text.push(`${payload.alerts.length} alerts`, '');
  }
  for (const { anomaly, rca } of payload.alerts) {
    const link = safeLink(anomalyLink(options.serverUrl, anomaly.id));
    const series = formatSeries(anomaly);
    const when =
      anomaly.endsAt === null
        ? `Started: ${new Date(anomaly.startsAt).toISOString()}`
        : `Resolved: ${new Date(anomaly.endsAt).toISOString()}`;
    text.push(
      `* ${singleLine(series, 1000)} on ${singleLine(anomaly.target, 200)}`,
      `  Severity: ${anomaly.severity}   Value: ${formatValue(anomaly.value)}   Detector: ${singleLine(anomaly.detector, 200)}`,
      `  Reason: ${singleLine(anomaly.reason, 2000)}`,
      `  ${when}`,
    );
    for (const line of rcaLines(rca)) text.push(`  ${line.label}: ${singleLine(line.text, 4000)}`);
    if (link) text.push(`  Details: ${link}`);
    text.push('');

    const rows: Array<[string, string]> = [
      ['Severity', anomaly.severity],
      ['Value', formatValue(anomaly.value)],
      ['Target', anomaly.target],
      ['Detector', anomaly.detector],
      ['Reason', anomaly.reason],
      [
        anomaly.endsAt === null ? 'Started' : 'Resolved',
        new Date(anomaly.endsAt ?? anomaly.startsAt).toISOString(),
      ],
      ...rcaLines(rca).map((line): [string, string] => [line.label, line.text]),
    ];
    html.push(
      `<h3 style="margin-bottom:4px"><code>${escapeHtml(series)}</code></h3>`,
      '<table cellpadding="4" style="border-collapse:collapse">',
      ...rows.map(
        ([label, value]) =>
          `<tr><th align="left" valign="top" style="color:#616161">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
      ),
      '</table>',
    );
    if (link) html.push(`<p><a href="${escapeHtml(link)}">Open this anomaly</a></p>`);
  }
  if (mainLink) {
    text.push(`View in Promptheus: ${mainLink}`);
    html.push(`<p><a href="${escapeHtml(mainLink)}">View in Promptheus</a></p>`);
  }
  html.push('</body></html>');
  return { subject, text: text.join('\n'), html: html.join('\n') };
}

/** Minimal shape of the nodemailer module, imported only when SMTP settings are used. */
interface NodemailerModule {
  createTransport(options: Record<string, unknown>): EmailTransport;
}

const retryableSmtpCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY', 'EABORT']);
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
]);

/** Removes every occurrence of the given secrets (and control characters) from a server reply. */
function scrub(text: string, secrets: readonly string[]): string {
  let result = singleLine(text, 400);
  for (const secret of secrets) {
    if (secret.length >= 3) result = result.split(secret).join('***');
  }
  return result;
}

/**
 * Turns a nodemailer failure into a `PromptheusError` of code `notification`: 4xx SMTP replies and
 * connection failures are retryable, 5xx replies are not (503, "bad sequence of commands", is a
 * session problem and retryable, as nodemailer treats it). The message quotes the server's reply with
 * the user name and password removed.
 */
export function smtpError(error: unknown, secrets: readonly string[] = []): PromptheusError {
  if (PromptheusError.isInstance(error)) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    responseCode?: unknown;
    response?: unknown;
    code?: unknown;
  };
  const responseCode = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  if (responseCode !== undefined) {
    const reply =
      typeof fields.response === 'string' ? scrub(fields.response, secrets) : String(responseCode);
    const permanent = responseCode >= 500 && responseCode !== 503;
    const what = code === 'EAUTH' ? 'SMTP authentication failed' : 'SMTP server refused the message';
    return new PromptheusError('notification', `${what}: ${reply}`, {
      retryable: !permanent,
      details: { smtpCode: responseCode, ...(code ? { errorCode: code } : {}) },
    });
  }
  const systemCode = networkErrorCode(error);
  if ((code && retryableSmtpCodes.has(code)) || (systemCode && networkCodes.has(systemCode))) {
    const shown = [code, systemCode]
      .filter((value, index, all) => value && all.indexOf(value) === index)
      .join(', ');
    return new PromptheusError('notification', `could not reach the SMTP server (${shown})`, {
      retryable: true,
      details: { reason: 'network', ...(code ? { errorCode: code } : {}) },
    });
  }
  return new PromptheusError(
    'notification',
    `email delivery failed: ${scrub(errorMessage(error), secrets)}`,
    {
      retryable: false,
      details: code ? { errorCode: code } : {},
    },
  );
}

async function readConfig(source: EmailRecipientsSource): Promise<EmailConfig | null> {
  const raw = typeof source === 'function' ? await source() : await source.emailConfig.get();
  if (raw === null || raw === undefined) return null;
  const parsed = emailConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PromptheusError('notification', 'the saved email config is invalid; save it again', {
      retryable: false,
      details: { issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) },
    });
  }
  return parsed.data;
}

/**
 * Creates a notifier that emails each notification, through a nodemailer transport you pass or
 * one built from SMTP settings (nodemailer is then imported on first send). Recipients and the
 * enabled flag are read from the email config (the store's, or your function's) at every send, so
 * changing them takes effect at once. Test messages (`kind: "test"`) go to the recipients even
 * while alerts are disabled, so the setup can be checked before switching it on.
 *
 * @example
 * ```ts
 * const email = createEmailNotifier({
 *   smtp: { host: 'smtp.example.com', port: 587, user: 'alerts', password: process.env.SMTP_PASSWORD },
 *   from: 'Promptheus <alerts@example.com>',
 *   recipients: store, // reads store.emailConfig
 *   serverUrl: 'https://promptheus.example.com',
 * });
 * ```
 */
export function createEmailNotifier(options: EmailNotifierOptions): Notifier {
  if (typeof options.from !== 'string' || options.from.trim() === '' || /[\r\n\0]/.test(options.from)) {
    throw new PromptheusError(
      'config',
      'email "from" must be a single-line address, e.g. alerts@example.com',
    );
  }
  if (!options.transport && !options.smtp) {
    throw new PromptheusError('config', 'email notifier needs a "transport" or "smtp" settings (SMTP_HOST)');
  }
  const smtp = options.smtp;
  if (smtp) {
    if (typeof smtp.host !== 'string' || smtp.host.trim() === '' || /[\s/]/.test(smtp.host.trim())) {
      throw new PromptheusError('config', 'SMTP host (SMTP_HOST) must be a host name or address');
    }
    if (smtp.port !== undefined && (!Number.isInteger(smtp.port) || smtp.port < 1 || smtp.port > 65_535)) {
      throw new PromptheusError('config', 'SMTP port (SMTP_PORT) must be an integer between 1 and 65535');
    }
    if (smtp.password !== undefined && smtp.user === undefined) {
      throw new PromptheusError(
        'config',
        'SMTP password (SMTP_PASSWORD) is set but the user (SMTP_USER) is not',
      );
    }
  }
  const timeoutMs = parseTimeout(smtp?.timeoutMs, 10_000, 'SMTP timeoutMs');
  const secrets = [smtp?.password, smtp?.user].filter((value): value is string => typeof value === 'string');
  const from = options.from.trim();
  const name = options.name ?? 'email';
  const renderOptions = {
    ...(options.serverUrl === undefined ? {} : { serverUrl: options.serverUrl }),
    ...(options.subjectPrefix === undefined ? {} : { subjectPrefix: options.subjectPrefix }),
  };

  let transport: Promise<EmailTransport> | undefined = options.transport
    ? Promise.resolve(options.transport)
    : undefined;
  const getTransport = (): Promise<EmailTransport> => {
    if (transport) return transport;
    const settings = smtp as SmtpOptions;
    transport = import('nodemailer')
      .then((module: unknown) => {
        const nodemailer = ((module as { default?: unknown }).default ?? module) as NodemailerModule;
        const port = settings.port ?? 587;
        return nodemailer.createTransport({
          host: settings.host.trim(),
          port,
          secure: settings.secure ?? port === 465,
          ...(settings.user === undefined
            ? {}
            : { auth: { user: settings.user, pass: settings.password ?? '' } }),
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      })
      .catch((error: unknown) => {
        transport = undefined;
        throw new PromptheusError(
          'config',
          'the email notifier needs the "nodemailer" package: pnpm add nodemailer',
          {
            cause: error,
          },
        );
      });
    return transport;
  };

  return {
    name,
    async send(payload: NotificationPayload, sendOptions?: NotifierSendOptions): Promise<void> {
      let config: EmailConfig | null;
      try {
        config = await readConfig(options.recipients);
      } catch (error) {
        if (PromptheusError.isInstance(error) && error.code === 'notification') throw error;
        throw new PromptheusError('notification', `could not read the email config: ${errorMessage(error)}`, {
          retryable: true,
          cause: error,
        });
      }
      if (!config || config.recipients.length === 0) {
        throw new PromptheusError('notification', 'no email recipients are configured', {
          retryable: false,
          details: { reason: 'disabled' },
        });
      }
      if (!config.enabled && payload.kind !== 'test') {
        throw new PromptheusError('notification', 'email alerts are disabled in the email config', {
          retryable: false,
          details: { reason: 'disabled' },
        });
      }
      const rendered = renderEmail(payload, renderOptions);
      const mailer = await getTransport();
      try {
        await mailer.sendMail({
          from,
          to: config.recipients,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          headers: {
            'X-Promptheus-Kind': payload.kind,
            'X-Promptheus-Severity': payload.severity,
            ...(sendOptions?.notificationId
              ? { 'X-Promptheus-Notification': sendOptions.notificationId }
              : {}),
          },
          ...(sendOptions?.signal ? { signal: sendOptions.signal } : {}),
        });
      } catch (error) {
        if (sendOptions?.signal?.aborted) {
          throw new PromptheusError('notification', 'email delivery was aborted (timeout or shutdown)', {
            retryable: true,
            cause: sendOptions.signal.reason,
          });
        }
        throw smtpError(error, secrets);
      }
    },
    async status(): Promise<NotifierStatus> {
      const config = await readConfig(options.recipients);
      const recipients = config?.recipients.length ?? 0;
      if (recipients === 0) {
        return { enabled: false, configured: false, detail: 'no email recipients are configured' };
      }
      if (!config?.enabled) {
        return { enabled: false, configured: true, detail: 'email alerts are disabled in the email config' };
      }
      return {
        enabled: true,
        configured: true,
        detail: `sending to ${recipients} recipient${recipients === 1 ? '' : 's'}`,
      };
    },
  };
}

/** Environment variables read by {@link emailNotifierFromEnv}. */
export interface SmtpEnv {
  /** SMTP host; email is not configured without it. */
  readonly SMTP_HOST?: string | undefined;
  /** SMTP port. @default 587 */
  readonly SMTP_PORT?: string | undefined;
  readonly SMTP_USER?: string | undefined;
  readonly SMTP_PASSWORD?: string | undefined;
  /** `From` address. @default SMTP_USER when it is an address, else `promptheus@localhost` */
  readonly SMTP_FROM?: string | undefined;
  /** `true` for TLS from the start. @default true when the port is 465 */
  readonly SMTP_SECURE?: string | undefined;
}

/**
 * The email notifier as the environment configures it (`SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`,
 * `SMTP_PASSWORD`, optional `SMTP_FROM` and `SMTP_SECURE`), with recipients from the store. Without
 * `SMTP_HOST` the returned notifier reports `configured: false` and refuses to send. Fails with code
 * `config` naming the variable when a value is invalid.
 *
 * @example
 * ```ts
 * const email = emailNotifierFromEnv(process.env, { recipients: store, serverUrl: 'http://localhost:8000' });
 * ```
 */
export function emailNotifierFromEnv(
  env: SmtpEnv,
  options: Omit<EmailNotifierCommonOptions, 'from'> & { readonly from?: string },
): Notifier {
  const host = (env.SMTP_HOST ?? '').trim();
  const name = options.name ?? 'email';
  if (host === '') {
    const detail = 'SMTP is not configured: set SMTP_HOST (and SMTP_PORT, SMTP_USER, SMTP_PASSWORD)';
    return {
      name,
      async send() {
        throw new PromptheusError('notification', detail, {
          retryable: false,
          details: { reason: 'disabled' },
        });
      },
      async status() {
        return { enabled: false, configured: false, detail };
      },
    };
  }
  const portText = (env.SMTP_PORT ?? '').trim();
  const port = portText === '' ? 587 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new PromptheusError('config', 'SMTP_PORT must be an integer between 1 and 65535');
  }
  const secureText = (env.SMTP_SECURE ?? '').trim().toLowerCase();
  if (secureText !== '' && secureText !== 'true' && secureText !== 'false') {
    throw new PromptheusError('config', 'SMTP_SECURE must be "true" or "false"');
  }
  const user = env.SMTP_USER?.trim() || undefined;
  const password = env.SMTP_PASSWORD || undefined;
  const from = options.from || env.SMTP_FROM?.trim() || (user?.includes('@') ? user : 'promptheus@localhost');
  return createEmailNotifier({
    ...options,
    from,
    smtp: {
      host,
      port,
      ...(secureText === '' ? {} : { secure: secureText === 'true' }),
      ...(user === undefined ? {} : { user }),
      ...(password === undefined ? {} : { password }),
    },
  });
}
