import type { EmailConfig } from '@promptheus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier, emailNotifierFromEnv, renderEmail, smtpError } from './email-notifier.js';
import { anomalyFixture, failure, payloadFixture, rcaFixture } from './test-fixtures.js';
import { type SmtpPeer, type SmtpPeerOptions, startSmtpPeer } from './test-peers.js';

const recipientsConfig = (overrides: Partial<EmailConfig> = {}): EmailConfig => ({
  enabled: true,
  recipients: ['oncall@example.com', 'sre@example.org'],
  updatedAt: 1,
  ...overrides,
});

let peer: SmtpPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

async function notifierFor(options: SmtpPeerOptions = {}, config: EmailConfig | null = recipientsConfig()) {
  peer = await startSmtpPeer(options);
  let current = config;
  const notifier = createEmailNotifier({
    smtp: {
      host: peer.host,
      port: peer.port,
      ...(options.auth ? { user: options.auth.user, password: options.auth.password } : {}),
      timeoutMs: 3000,
    },
    from: 'Promptheus <alerts@example.com>',
    recipients: { emailConfig: { get: async () => current } },
    serverUrl: 'http://promptheus.test:8000/',
  });
  return {
    notifier,
    peer,
    setConfig(next: EmailConfig | null) {
      current = next;
    },
  };
}

describe('createEmailNotifier against a real SMTP server', () => {
  it('delivers the anomaly and its RCA to every configured recipient, in text and HTML', async () => {
    const { notifier, peer } = await notifierFor();
    await notifier.send(payloadFixture());
    expect(peer.messages).toHaveLength(1);
    const mail = peer.messages[0]!;
    expect(mail.envelopeFrom).toBe('alerts@example.com');
    expect([...mail.envelopeTo].sort()).toEqual(['oncall@example.com', 'sre@example.org']);
    expect(mail.subject).toBe('[Promptheus] FIRING: [critical] node_cpu_usage on prod');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('CPU on web-1 is saturated by a runaway worker.');
      expect(body).toContain('The web server is working too hard and may slow down.');
      expect(body).toContain('A batch job started at 03:00 pins every core.');
      expect(body).toContain('Move the batch job to the worker pool or lower its concurrency.');
      expect(body).toContain('93.14');
      expect(body).toContain('http://promptheus.test:8000/anomalies/anomaly-1');
    }
    expect(mail.text).toContain('node_cpu_usage{instance="web-1:9100", job="node"}');
    expect(mail.headers.get('x-promptheus-kind')).toBe('firing');
  });

  it('escapes label values in HTML and keeps CR/LF out of the subject and headers', async () => {
    const { notifier, peer } = await notifierFor();
    const hostile = anomalyFixture({
      labels: { instance: '<script>alert(1)</script>', job: 'x\r\nBcc: victim@evil.example' },
      target: 'prod\r\nBcc: victim@evil.example',
      reason: 'value <b>high</b>',
    });
    await notifier.send(
      payloadFixture({
        title: '[critical] cpu\r\nBcc: victim@evil.example\r\nX-Injected: yes',
        alerts: [{ anomaly: hostile, rca: rcaFixture({ summary: '<img src=x onerror=alert(1)>' }) }],
      }),
    );
    const mail = peer.messages[0]!;
    expect([...mail.envelopeTo].sort()).toEqual(['oncall@example.com', 'sre@example.org']);
    expect(mail.headerLines.some((line) => /^bcc:/i.test(line))).toBe(false);
    expect(mail.headerLines.some((line) => /^x-injected:/i.test(line))).toBe(false);
    expect(mail.subject).toBe('[Promptheus] FIRING: [critical] cpu Bcc: victim@evil.example X-Injected: yes');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<b>high');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.text).toContain('instance="<script>alert(1)</script>"');
  });

  it('does not send alerts while the email config is disabled, but sends test messages', async () => {
    const { notifier, peer } = await notifierFor({}, recipientsConfig({ enabled: false }));
    const error = await failure(notifier.send(payloadFixture()));
    expect(error.code).toBe('notification');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/disabled/);
    await notifier.send(payloadFixture({ kind: 'test', title: 'Test notification', alerts: [] }));
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]?.text).toContain('This is a test notification from Promptheus');
    expect(peer.messages[0]?.subject).toBe('[Promptheus] TEST: Test notification');
  });

  it('reports status from the email config: recipients, enabled flag', async () => {
    const { notifier, setConfig } = await notifierFor({}, null);
    expect(await notifier.status?.()).toEqual({
      enabled: false,
      configured: false,
      detail: 'no email recipients are configured',
    });
    setConfig(recipientsConfig({ enabled: false }));
    expect(await notifier.status?.()).toMatchObject({ enabled: false, configured: true });
    setConfig(recipientsConfig());
    expect(await notifier.status?.()).toEqual({
      enabled: true,
      configured: true,
      detail: 'sending to 2 recipients',
    });
    await expect(notifier.send(payloadFixture())).resolves.toBeUndefined();
  });

  it('turns a 4xx refusal into a retryable error and a 5xx into a permanent one', async () => {
    let code = 451;
    const { notifier, peer } = await notifierFor({
      onRcptTo: () => ({
        code,
        message: code === 451 ? '4.3.0 mailbox busy, try later' : '5.1.1 no such user',
      }),
    });
    const transient = await failure(notifier.send(payloadFixture()));
    expect(transient.code).toBe('notification');
    expect(transient.retryable).toBe(true);
    expect(transient.message).toContain('451');
    expect(transient.details).toMatchObject({ smtpCode: 451 });
    code = 550;
    const permanent = await failure(notifier.send(payloadFixture()));
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toContain('550');
    expect(peer.messages).toHaveLength(0);
  });

  it('refusing DATA with 421 is retryable', async () => {
    const { notifier } = await notifierFor({ onData: () => ({ code: 421, message: '4.7.0 shutting down' }) });
    const error = await failure(notifier.send(payloadFixture()));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('421');
  });

  it('logs in with the SMTP credentials and never shows them in errors', async () => {
    const good = await notifierFor({ auth: { user: 'alert-bot', password: 's3cret-Passw0rd' } });
    await good.notifier.send(payloadFixture());
    expect(good.peer.messages).toHaveLength(1);
    await good.peer.close();

    peer = await startSmtpPeer({ auth: { user: 'alert-bot', password: 'another-password' } });
    const wrong = createEmailNotifier({
      smtp: {
        host: peer.host,
        port: peer.port,
        user: 'alert-bot',
        password: 's3cret-Passw0rd',
        timeoutMs: 3000,
      },
      from: 'alerts@example.com',
      recipients: async () => recipientsConfig(),
    });
    const error = await failure(wrong.send(payloadFixture()));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/authentication failed/i);
    const shown = JSON.stringify(error.toJSON()) + error.message;
    expect(shown).not.toContain('s3cret-Passw0rd');
    expect(shown).not.toContain('alert-bot');
  });

  it('a server that is down gives a retryable network error', async () => {
    peer = await startSmtpPeer();
    const port = peer.port;
    await peer.close();
    peer = undefined;
    const notifier = createEmailNotifier({
      smtp: { host: '127.0.0.1', port, user: 'bot', password: 'hunter2-secret', timeoutMs: 2000 },
      from: 'alerts@example.com',
      recipients: async () => recipientsConfig(),
    });
    const error = await failure(notifier.send(payloadFixture()));
    expect(error.code).toBe('notification');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('could not reach the SMTP server');
    expect(error.message).not.toContain('hunter2-secret');
  });
});

describe('email notifier configuration', () => {
  it('rejects a multi-line from address and missing settings with config errors', () => {
    const recipients = async () => null;
    expect(() =>
      createEmailNotifier({ smtp: { host: 'smtp.test' }, from: 'a@b.c\r\nBcc: x@y.z', recipients }),
    ).toThrow(/single-line/);
    expect(() => createEmailNotifier({ smtp: { host: '' }, from: 'a@b.c', recipients })).toThrow(/SMTP_HOST/);
    expect(() =>
      createEmailNotifier({ smtp: { host: 'smtp.test', port: 70000 }, from: 'a@b.c', recipients }),
    ).toThrow(/SMTP_PORT/);
  });

  it('from env: not configured without SMTP_HOST, and the reason names the variable', async () => {
    const notifier = emailNotifierFromEnv({}, { recipients: async () => recipientsConfig() });
    expect(await notifier.status?.()).toMatchObject({ enabled: false, configured: false });
    const error = await failure(notifier.send(payloadFixture()));
    expect(error.message).toContain('SMTP_HOST');
    expect(() =>
      emailNotifierFromEnv({ SMTP_HOST: 'smtp.test', SMTP_PORT: 'abc' }, { recipients: async () => null }),
    ).toThrow(/SMTP_PORT/);
  });

  it('from env: delivers through the SMTP server the variables name', async () => {
    peer = await startSmtpPeer();
    const notifier = emailNotifierFromEnv(
      { SMTP_HOST: peer.host, SMTP_PORT: String(peer.port), SMTP_FROM: 'ops@example.com' },
      { recipients: async () => recipientsConfig({ recipients: ['a@example.com'] }) },
    );
    await notifier.send(payloadFixture());
    expect(peer.messages[0]?.envelopeFrom).toBe('ops@example.com');
    expect(peer.messages[0]?.envelopeTo).toEqual(['a@example.com']);
  });

  it('a saved config that is not valid is a permanent error, not a crash', async () => {
    const notifier = createEmailNotifier({
      transport: { sendMail: async () => undefined },
      from: 'a@example.com',
      recipients: async () => ({ enabled: true, recipients: ['not an address'], updatedAt: 1 }),
    });
    const error = await failure(notifier.send(payloadFixture()));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('email config is invalid');
  });
});

describe('renderEmail and smtpError', () => {
  it('lists every alert of a group and links to the group', () => {
    const rendered = renderEmail(
      payloadFixture({
        url: 'http://promptheus.test/anomalies?target=prod',
        alerts: [
          { anomaly: anomalyFixture(), rca: null },
          {
            anomaly: anomalyFixture({ id: 'anomaly-2', labels: { instance: 'web-2:9100' }, value: null }),
            rca: null,
          },
        ],
      }),
    );
    expect(rendered.text).toContain('2 alerts');
    expect(rendered.text).toContain('web-2:9100');
    expect(rendered.text).toContain('Value: n/a');
    expect(rendered.html).toContain('href="http://promptheus.test/anomalies?target=prod"');
  });

  it('drops links that are not http(s)', () => {
    const rendered = renderEmail(payloadFixture({ url: 'javascript:alert(1)' }));
    expect(rendered.html).not.toContain('javascript:');
  });

  it('classifies nodemailer errors and scrubs secrets from server replies', () => {
    const echoed = smtpError(
      Object.assign(new Error('x'), {
        responseCode: 454,
        response: '454 4.7.0 user alert-bot temporarily locked',
      }),
      ['alert-bot'],
    );
    expect(echoed.retryable).toBe(true);
    expect(echoed.message).not.toContain('alert-bot');
    expect(
      smtpError(Object.assign(new Error('x'), { responseCode: 503, response: '503 bad sequence' })).retryable,
    ).toBe(true);
    expect(smtpError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })).retryable).toBe(true);
    expect(smtpError(Object.assign(new Error('x'), { code: 'EMESSAGE' })).retryable).toBe(false);
  });
});
