import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '@promptheus/core/testing';
import { afterAll } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';

const directory = mkdtempSync(join(tmpdir(), 'promptheus-sqlite-conformance-'));
let files = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

runStoreConformance({
  name: 'sqlite (file)',
  createStore: async (options) =>
    createSqliteStore({ path: join(directory, `store-${++files}.db`) }, options),
});

runStoreConformance({
  name: 'sqlite (:memory:)',
  createStore: async (options) => createSqliteStore({ path: ':memory:' }, options),
});
