import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import type { Target } from '../model/target.js';
import { createMemoryStore } from '../store/memory-store.js';
import { createStoreTargets } from './store-targets.js';

function target(overrides: Partial<Target>): Target {
  return {
    id: overrides.name ?? 'id',
    name: 'prod',
    url: 'http://prometheus.prod:9090',
    enabled: true,
    selectors: [],
    auth: null,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

describe('createStoreTargets', () => {
  it('lists enabled targets from the store, else the configured Prometheus URL', async () => {
    const store = createMemoryStore();
    const targets = createStoreTargets({ store, fallbackUrl: 'http://localhost:9090' });
    expect(await targets()).toEqual([{ name: 'default', url: 'http://localhost:9090' }]);

    await store.targets.create(
      target({
        id: 'a',
        name: 'prod',
        auth: { type: 'bearer', token: 'secret-token' },
        selectors: ['{job="node"}'],
      }),
    );
    await store.targets.create(target({ id: 'b', name: 'old', url: 'http://old:9090', enabled: false }));
    expect(await targets()).toEqual([
      {
        name: 'prod',
        url: 'http://prometheus.prod:9090',
        auth: { type: 'bearer', token: 'secret-token' },
        selectors: ['{job="node"}'],
      },
    ]);

    await store.targets.update('a', { enabled: false });
    expect(await targets()).toEqual([{ name: 'default', url: 'http://localhost:9090' }]);
  });

  it('returns nothing when neither the store nor the configuration names a Prometheus', async () => {
    expect(await createStoreTargets({ store: createMemoryStore() })()).toEqual([]);
  });

  it('keeps the last list when the store cannot be read', async () => {
    const store = createMemoryStore();
    await store.targets.create(target({ id: 'a' }));
    const errors: unknown[] = [];
    const targets = createStoreTargets({
      store,
      fallbackUrl: 'http://localhost:9090',
      onError: (error) => errors.push(error),
    });
    expect((await targets()).map((entry) => entry.name)).toEqual(['prod']);
    store.targets.list = async () => {
      throw new Error('SQLITE_BUSY');
    };
    expect((await targets()).map((entry) => entry.name)).toEqual(['prod']);
    expect(errors).toHaveLength(1);
    expect(PromptheusError.hasCode(errors[0], 'storage')).toBe(true);
  });

  it('names PROMETHEUS_URL when the configured URL is invalid', () => {
    expect(() => createStoreTargets({ store: createMemoryStore(), fallbackUrl: 'ftp://x' })).toThrow(
      /PROMETHEUS_URL/,
    );
    expect(() =>
      createStoreTargets({ store: createMemoryStore(), fallbackUrl: 'http://user:pw@x:9090' }),
    ).toThrow(/PROMETHEUS_URL/);
  });
});
