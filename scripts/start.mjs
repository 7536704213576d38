#!/usr/bin/env node
/**
 * `pnpm start`: builds the workspace packages when their dist is missing or older than their
 * sources, then runs the reference server (`promptheus serve`). Configuration comes from the
 * environment: PORT (default 8080), PROMETHEUS_URL, DATA_DIR / SQLITE_PATH, and the rest listed in
 * packages/server/README.md. Extra arguments are passed to `promptheus serve` (e.g. `--port 9000`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Build order: core first, then the adapters, then the server. */
const packages = ['core', 'storage-sqlite', 'storage-mongo', 'llm', 'notifiers', 'server'];
const outputs = { server: ['index.js', 'cli.js'] };

function newestSource(directory) {
  let newest = 0;
  const visit = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(child).mtimeMs);
    }
  };
  visit(join(directory, 'src'));
  for (const file of ['package.json', 'tsup.config.ts']) {
    const path = join(directory, file);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function needsBuild(name) {
  const directory = join(root, 'packages', name);
  if (!existsSync(join(directory, 'src', 'index.ts'))) return false;
  const files = (outputs[name] ?? ['index.js']).map((file) => join(directory, 'dist', file));
  if (!files.every((file) => existsSync(file))) return true;
  const built = Math.min(...files.map((file) => statSync(file).mtimeMs));
  return newestSource(directory) > built;
}

const stale = packages.filter(needsBuild);
if (stale.length > 0) {
  const tsup = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsup.cmd' : 'tsup');
  if (!existsSync(tsup)) {
    process.stderr.write('promptheus: dependencies are not installed; run `pnpm install` first\n');
    process.exit(1);
  }
  for (const name of stale) {
    process.stderr.write(`promptheus: building @promptheus/${name}\n`);
    // Declaration files are not needed to run; `pnpm build` makes them for publishing.
    const result = spawnSync(tsup, ['--no-dts', '--silent'], {
      cwd: join(root, 'packages', name),
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (result.status !== 0) {
      process.stderr.write(`promptheus: building @promptheus/${name} failed\n`);
      process.exit(result.status ?? 1);
    }
  }
}

const child = spawn(
  process.execPath,
  [join(root, 'packages', 'server', 'dist', 'cli.js'), 'serve', ...process.argv.slice(2)],
  { stdio: 'inherit', env: process.env },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
