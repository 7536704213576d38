import { createAsk, createMemoryStore, type Store } from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { createAskService } from './ask-service.js';
import { fakePrometheus } from './testing/fixtures.js';

let store: Store;
beforeEach(() => {
  store = createMemoryStore();
});
afterEach(async () => {
  await store.close();
});

describe('createAskService', () => {
  it('answers 503 with a clear JSON error when Prometheus is unreachable', async () => {
    const assistant = createAsk({ prometheus: fakePrometheus({ up: false }), store });
    const app = createApp({ store, ask: createAskService(assistant) });
    const response = await app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '{"prompt":"Show CPU usage for server1"}',
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string; details: object } };
    expect(body.error.code).toBe('network');
    expect(body.error.message).toMatch(/Prometheus did not answer/);
    expect(body.error.details).toMatchObject({ retryable: true });
    assistant.close();
  });
});
