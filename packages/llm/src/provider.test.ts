import { describe, expect, it } from 'vitest';
import { lazyClient } from './provider.js';

describe('lazyClient', () => {
  it('loads once for every caller, and again after a load that failed', async () => {
    let loads = 0;
    const client = lazyClient(async () => {
      loads++;
      if (loads === 1) throw new Error('no key yet');
      return { id: loads };
    });
    expect(loads).toBe(0);
    await expect(client()).rejects.toThrow('no key yet');
    const [first, second] = await Promise.all([client(), client()]);
    expect(first).toEqual({ id: 2 });
    expect(second).toBe(first);
    expect(await client()).toBe(first);
    expect(loads).toBe(2);
  });
});
