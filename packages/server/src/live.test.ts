import { createEmitter, type PromptheusEvents } from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveHub, type LiveBatch } from './live.js';
import { anomalyRecord } from './testing/fixtures.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = (options: { maxBatchEvents?: number } = {}) => {
  const events = createEmitter<PromptheusEvents>();
  const hub = createLiveHub({ events, flushDelayMs: 100, maxHoldMs: 1000, ...options });
  const batches: LiveBatch[] = [];
  hub.subscribe((message) => batches.push(JSON.parse(message) as LiveBatch));
  return { events, hub, batches };
};

describe('createLiveHub', () => {
  it('sends updates between ticks after the flush delay, in one batch', () => {
    const { events, batches } = setup();
    events.emit('anomaly:resolved', { anomaly: anomalyRecord({ status: 'resolved' }) });
    events.emit('ask:answered', {
      prompt: 'cpu',
      promql: 'cpu_usage',
      intent: 'query',
      success: true,
      latencyMs: 4,
      sessionId: null,
    });
    vi.advanceTimersByTime(99);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.events.map((event) => event.type)).toEqual(['anomaly:resolved', 'chat:answered']);
    expect(batches[0]?.tick).toBeNull();
  });

  it('holds updates during a tick, and sends them anyway when the tick never completes', () => {
    const { events, batches } = setup();
    events.emit('tick:start', { tick: 3, startedAt: 0 });
    events.emit('anomaly:fired', { anomaly: anomalyRecord() });
    vi.advanceTimersByTime(999);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.events).toHaveLength(1);
  });

  it('keeps the newest updates when too many queue up, counting the dropped ones', () => {
    const { events, batches } = setup({ maxBatchEvents: 3 });
    events.emit('tick:start', { tick: 1, startedAt: 0 });
    const anomalies = Array.from({ length: 5 }, (_, index) => anomalyRecord({ id: `a${index}` }));
    for (const anomaly of anomalies) events.emit('anomaly:fired', { anomaly });
    events.emit('tick:complete', {
      tick: 1,
      startedAt: 0,
      durationMs: 1,
      samples: 5,
      fired: 5,
      resolved: 0,
      errors: [],
      phases: {},
    });
    expect(batches).toHaveLength(1);
    expect(batches[0]?.dropped).toBe(2);
    expect(
      batches[0]?.events.map((event) => (event.type === 'anomaly:fired' ? event.anomaly.id : '')),
    ).toEqual(['a2', 'a3', 'a4']);
  });

  it('stops listening when closed', () => {
    const { events, hub, batches } = setup();
    hub.close();
    events.emit('anomaly:fired', { anomaly: anomalyRecord() });
    vi.advanceTimersByTime(5000);
    expect(batches).toHaveLength(0);
    expect(hub.size).toBe(0);
  });
});
