import { describe, expect, it } from 'vitest';
import { createEmitter } from './emitter.js';

interface Events {
  ping: { count: number };
  pong: string;
}

describe('createEmitter', () => {
  it('delivers payloads to listeners of the event and to onAny listeners', () => {
    const emitter = createEmitter<Events>();
    const seen: unknown[] = [];
    const off = emitter.on('ping', (payload) => seen.push(payload.count));
    emitter.onAny((name, payload) => seen.push([name, payload]));
    emitter.emit('ping', { count: 1 });
    off();
    emitter.emit('ping', { count: 2 });
    emitter.emit('pong', 'x');
    expect(seen).toEqual([1, ['ping', { count: 1 }], ['ping', { count: 2 }], ['pong', 'x']]);
  });

  it('reports a throwing listener and still calls the others', () => {
    const errors: unknown[] = [];
    const emitter = createEmitter<Events>({ onListenerError: (error) => errors.push(error) });
    let called = false;
    emitter.on('pong', () => {
      throw new Error('listener failed');
    });
    emitter.on('pong', () => {
      called = true;
    });
    emitter.emit('pong', 'x');
    expect(called).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
