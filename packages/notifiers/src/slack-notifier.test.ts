import type { PromptheusError } from '@promptheus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackNotifier, renderSlackMessage, slackNotifierFromEnv } from './slack-notifier.js';
import { anomalyFixture, failure, payloadFixture, rcaFixture } from './test-fixtures.js';
import { type HttpPeer, startHttpPeer } from './test-peers.js';

let peer: HttpPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const SECRET_PATH = '/services/T000/B000/XXXXsecretTOKENxxxx';

function expectNoSecret(error: PromptheusError) {
  const shown = error.message + JSON.stringify(error.toJSON());
  expect(shown).not.toContain('secretTOKEN');
  expect(shown).not.toContain(SECRET_PATH);
}

describe('createSlackNotifier against a local webhook endpoint', () => {
  it('posts a Block Kit message with header, severity colour, fields, RCA and a link button', async () => {
    peer = await startHttpPeer();
    const slack = createSlackNotifier({
      webhookUrl: peer.url + SECRET_PATH,
      serverUrl: 'http://promptheus.test',
    });
    await slack.send(payloadFixture());
    expect(peer.requests).toHaveLength(1);
    const request = peer.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(SECRET_PATH);
    expect(request.headers['content-type']).toContain('application/json');
    const message = request.json as {
      text: string;
      blocks: Array<{ type: string; text: { text: string } }>;
      attachments: Array<{ color: string; blocks: Array<Record<string, unknown>> }>;
    };
    expect(message.text).toContain('FIRING: [critical] node_cpu_usage on prod');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(message.blocks[0]?.text.text).toBe('FIRING: [critical] node_cpu_usage on prod');
    expect(message.attachments[0]?.color).toBe('#d32f2f');
    const attachment = JSON.stringify(message.attachments[0]);
    expect(attachment).toContain('*Severity*\\ncritical');
    expect(attachment).toContain('*Value*\\n93.14');
    expect(attachment).toContain('*Likely cause:* A batch job started at 03:00 pins every core.');
    expect(attachment).toContain('*Suggested fix:* Move the batch job');
    const actions = message.attachments[0]?.blocks.find((block) => block['type'] === 'actions');
    expect(actions).toMatchObject({
      elements: [{ type: 'button', url: 'http://promptheus.test/anomalies/anomaly-1', style: 'danger' }],
    });
  });

  it("a 400 invalid_payload is not retryable and carries Slack's reason, never the URL", async () => {
    peer = await startHttpPeer(() => ({ status: 400, body: 'invalid_payload' }));
    const slack = createSlackNotifier({ webhookUrl: peer.url + SECRET_PATH });
    const error = await failure(slack.send(payloadFixture()));
    expect(error.code).toBe('notification');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Slack webhook answered HTTP 400: invalid_payload');
    expectNoSecret(error);
  });

  it('404 no_service is permanent; 500, 503 and 429 are retryable (429 with Retry-After)', async () => {
    const replies = [
      { status: 404, body: 'no_service' },
      { status: 500, body: 'rollup_error' },
      { status: 503, body: '' },
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } },
    ];
    peer = await startHttpPeer((_request, index) => replies[index] ?? { status: 200, body: 'ok' });
    const slack = createSlackNotifier({ webhookUrl: peer.url + SECRET_PATH });
    const results = [];
    for (let index = 0; index < replies.length; index++)
      results.push(await failure(slack.send(payloadFixture())));
    expect(results.map((error) => error.retryable)).toEqual([false, true, true, true]);
    expect(results[0]?.message).toContain('no_service');
    expect(results[3]?.details).toMatchObject({ status: 429, retryAfterMs: 7000 });
    for (const error of results) expectNoSecret(error);
    await slack.send(payloadFixture());
    expect(peer.requests).toHaveLength(5);
  });

  it('an unreachable endpoint and a timeout are retryable and never show the URL', async () => {
    peer = await startHttpPeer(() => ({ status: 200, body: 'ok', delayMs: 2000 }));
    const slow = createSlackNotifier({ webhookUrl: peer.url + SECRET_PATH, timeoutMs: 100 });
    const timedOut = await failure(slow.send(payloadFixture()));
    expect(timedOut.retryable).toBe(true);
    expect(timedOut.message).toContain('timed out after 100 ms');
    expectNoSecret(timedOut);
    const url = peer.url;
    await peer.close();
    peer = undefined;
    const down = createSlackNotifier({ webhookUrl: url + SECRET_PATH });
    const refused = await failure(down.send(payloadFixture()));
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain('ECONNREFUSED');
    expectNoSecret(refused);
  });

  it('status says configured without revealing the URL', async () => {
    const slack = createSlackNotifier({ webhookUrl: `https://hooks.slack.com${SECRET_PATH}` });
    const status = await slack.status?.();
    expect(status).toEqual({ enabled: true, configured: true, detail: 'incoming webhook configured' });
    expect(JSON.stringify(status)).not.toContain('secretTOKEN');
  });

  it('rejects a webhook URL that is not http(s) without echoing it', () => {
    expect(() => createSlackNotifier({ webhookUrl: 'ftp://secretTOKEN@host/x' })).toThrow(
      /SLACK_WEBHOOK_URL/,
    );
    try {
      createSlackNotifier({ webhookUrl: 'not a url secretTOKEN' });
    } catch (error) {
      expect(String(error)).not.toContain('secretTOKEN');
    }
  });
});

describe('slackNotifierFromEnv', () => {
  it('is enabled only with SLACK_ENABLED=true and SLACK_WEBHOOK_URL', async () => {
    const none = slackNotifierFromEnv({});
    expect(await none.status?.()).toMatchObject({ enabled: false, configured: false });
    const urlOnly = slackNotifierFromEnv({ SLACK_WEBHOOK_URL: `https://hooks.slack.com${SECRET_PATH}` });
    expect(await urlOnly.status?.()).toMatchObject({ enabled: false, configured: true });
    const flagOnly = slackNotifierFromEnv({ SLACK_ENABLED: 'true' });
    const flagStatus = await flagOnly.status?.();
    expect(flagStatus).toMatchObject({ enabled: false, configured: false });
    expect(flagStatus?.detail).toContain('SLACK_WEBHOOK_URL');
    const refused = await failure(flagOnly.send(payloadFixture()));
    expect(refused.retryable).toBe(false);

    peer = await startHttpPeer();
    const enabled = slackNotifierFromEnv({
      SLACK_ENABLED: 'true',
      SLACK_WEBHOOK_URL: peer.url + SECRET_PATH,
    });
    expect(await enabled.status?.()).toMatchObject({ enabled: true, configured: true });
    await enabled.send(payloadFixture({ kind: 'test', alerts: [], title: 'Test notification' }));
    expect(JSON.stringify(peer.requests[0]?.json)).toContain('This is a test notification from Promptheus');
  });

  it('fails with a config error naming the variable when enabled with a bad URL', () => {
    expect(() =>
      slackNotifierFromEnv({ SLACK_ENABLED: 'true', SLACK_WEBHOOK_URL: 'hooks.slack.com/x' }),
    ).toThrow(/SLACK_WEBHOOK_URL/);
  });
});

describe('renderSlackMessage', () => {
  it('escapes Slack control characters and keeps within Block Kit limits', () => {
    const alerts = Array.from({ length: 14 }, (_, index) => ({
      anomaly: anomalyFixture({
        id: `anomaly-${index}`,
        labels: { path: `<!channel> & <http://evil|click> ${index}` },
        reason: 'x'.repeat(5000),
      }),
      rca: rcaFixture({ summary: '<@U123> & friends' }),
    }));
    const message = renderSlackMessage(payloadFixture({ title: 't'.repeat(400), alerts }));
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U123>');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;http://evil|click&gt;');
    expect(json).toContain('and 4 more alerts');
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const blocks = message.attachments[0]?.blocks ?? [];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('colours resolved notifications green', () => {
    const message = renderSlackMessage(
      payloadFixture({
        kind: 'resolved',
        alerts: [
          { anomaly: anomalyFixture({ status: 'resolved', endsAt: Date.UTC(2025, 0, 2, 4) }), rca: null },
        ],
      }),
    );
    expect(message.attachments[0]?.color).toBe('#2e7d32');
    expect(JSON.stringify(message)).toContain('*Resolved*\\n2025-01-02T04:00:00.000Z');
  });
});
