import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import type { NotificationPayload } from '../model/notification.js';
import { createRecordingNotifier } from './recording-notifier.js';

const payload: NotificationPayload = {
  kind: 'test',
  title: 'Promptheus test notification',
  severity: 'low',
  alerts: [],
  url: null,
  createdAt: 1,
};

async function caught(promise: Promise<unknown>): Promise<PromptheusError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!PromptheusError.isInstance(error)) throw new Error('expected a PromptheusError');
  return error;
}

describe('createRecordingNotifier', () => {
  it('fails the first sends as told, then records deliveries', async () => {
    const notifier = createRecordingNotifier({ name: 'pager', fail: 2 });
    expect((await caught(notifier.send(payload))).retryable).toBe(true);
    expect((await caught(notifier.send(payload))).code).toBe('notification');
    await notifier.send(payload, { notificationId: 'n1', groupKey: '{}' });
    expect(notifier.sent).toEqual([payload]);
    expect(notifier.attempts.map((attempt) => attempt.ok)).toEqual([false, false, true]);
    expect(notifier.attempts[2]?.options).toEqual({ notificationId: 'n1', groupKey: '{}' });
    notifier.failNext({ times: 1, retryable: false, message: 'HTTP 400: invalid_payload' });
    const permanent = await caught(notifier.send(payload));
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toBe('HTTP 400: invalid_payload');
    notifier.clear();
    expect(notifier.attempts).toHaveLength(0);
  });

  it('reports its enabled flag and honours the abort signal while delayed', async () => {
    const notifier = createRecordingNotifier({ delayMs: 10_000 });
    expect((await notifier.status()).enabled).toBe(true);
    notifier.setEnabled(false);
    expect((await notifier.status()).enabled).toBe(false);
    const controller = new AbortController();
    const sending = notifier.send(payload, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(sending).rejects.toThrow('stop');
    expect(notifier.sent).toHaveLength(0);
  });
});
