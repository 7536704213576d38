import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Workspace packages resolve to their sources, so tests never run against a stale build. */
const workspaceAliases = [
  { find: /^@promptheus\/core\/testing$/, replacement: source('./packages/core/src/testing/index.ts') },
  { find: /^@promptheus\/core$/, replacement: source('./packages/core/src/index.ts') },
  { find: /^@promptheus\/storage-sqlite$/, replacement: source('./packages/storage-sqlite/src/index.ts') },
  { find: /^@promptheus\/storage-mongo$/, replacement: source('./packages/storage-mongo/src/index.ts') },
  { find: /^@promptheus\/llm\/testing$/, replacement: source('./packages/llm/src/testing/index.ts') },
  { find: /^@promptheus\/llm$/, replacement: source('./packages/llm/src/index.ts') },
  { find: /^@promptheus\/notifiers$/, replacement: source('./packages/notifiers/src/index.ts') },
  { find: /^@promptheus\/server$/, replacement: source('./packages/server/src/index.ts') },
];

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
