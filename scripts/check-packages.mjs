#!/usr/bin/env node
/**
 * `pnpm check:packages`: checks what every workspace package would publish, after `pnpm build`.
 *
 * For each package under packages/ it
 * 1. packs it with `pnpm pack` into a temporary directory (so `workspace:` ranges are rewritten and
 *    only the `files` allow-list is included, exactly as `pnpm publish` would),
 * 2. runs publint on the tarball (`--strict`: warnings fail too),
 * 3. runs @arethetypeswrong/cli on the tarball (every entry point under node10, node16 CJS/ESM
 *    and bundler resolution),
 * 4. loads every entry point of the built package with both `import()` and `require()`.
 *
 * Exits non-zero when any package has a problem; the temporary directory is always removed.
 * Pass package directory names to check only those: `node scripts/check-packages.mjs core llm`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const requested = process.argv.slice(2);
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => entry.name)
  .filter((name) => requested.length === 0 || requested.includes(name));

if (requested.length > 0 && packages.length !== requested.length) {
  const unknown = requested.filter((name) => !packages.includes(name));
  process.stderr.write(`check-packages: no package directory named ${unknown.join(', ')} under packages/\n`);
  process.exit(2);
}

/** Runs a command and captures its output. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, output };
}

/** The import specifiers a package's `exports` map publishes, e.g. `@promptheus/core/testing`. */
function entryPoints(manifest) {
  const exportsField = manifest.exports ?? {};
  return Object.keys(exportsField)
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/** The published entry points whose `exports` entry has no `require` condition. */
function esmOnlyEntryPoints(manifest) {
  return Object.entries(manifest.exports ?? {})
    .filter(
      ([key, target]) => key !== './package.json' && typeof target === 'object' && !('require' in target),
    )
    .map(([key]) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/** `@promptheus/core/testing` → `./testing`, the form attw's `--entrypoints` takes. */
function toSubpath(specifier) {
  const parts = specifier.split('/').slice(specifier.startsWith('@') ? 2 : 1);
  return parts.length === 0 ? '.' : `./${parts.join('/')}`;
}

/**
 * Loads each entry point in a fresh Node process started in the package directory, through the
 * package's own name (self-reference goes through `exports`, as a user's import would).
 */
function loadEntryPoints(directory, manifest) {
  const specifiers = JSON.stringify(entryPoints(manifest));
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/package.json');
    const problems = [];
    for (const specifier of ${specifiers}) {
      for (const [how, load] of [['require', async () => require(specifier)], ['import', () => import(specifier)]]) {
        try {
          const loaded = await load();
          if (Object.keys(loaded).length === 0) problems.push(how + "('" + specifier + "') has no exports");
        } catch (error) {
          problems.push(how + "('" + specifier + "') failed: " + (error instanceof Error ? error.message : error));
        }
      }
    }
    if (problems.length > 0) { console.error(problems.join('\\n')); process.exit(1); }
  `;
  const loaded = run(process.execPath, ['--input-type=module', '--eval', script], directory);
  return loaded.ok ? [] : [`loading the built entry points:\n${loaded.output}`];
}

const workDirectory = mkdtempSync(join(tmpdir(), 'promptheus-pack-'));
let failures = 0;
try {
  for (const name of packages) {
    const directory = join(root, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    const problems = [];
    if (!existsSync(join(directory, 'dist'))) {
      problems.push('dist/ is missing: run `pnpm build` first');
    } else {
      const destination = join(workDirectory, name);
      const packed = run('pnpm', ['pack', '--pack-destination', destination], directory);
      const tarball = packed.ok ? readdirSync(destination).find((file) => file.endsWith('.tgz')) : undefined;
      if (!tarball) {
        problems.push(`pnpm pack failed:\n${packed.output}`);
      } else {
        const tarballPath = join(destination, tarball);
        const publint = run(bin('publint'), ['run', tarballPath, '--strict'], directory);
        if (!publint.ok || /warning|error/i.test(publint.output))
          problems.push(`publint:\n${publint.output}`);
        // Entry points without a `require` condition are ESM-only on purpose (the core testing
        // helpers import vitest, which is ESM-only); Node >= 20.19 still require()s them.
        const esmOnly = esmOnlyEntryPoints(manifest);
        const dual = entryPoints(manifest).filter((specifier) => !esmOnly.includes(specifier));
        const attwRuns = [
          ['--entrypoints', ...dual.map(toSubpath)],
          ...(esmOnly.length > 0
            ? [['--entrypoints', ...esmOnly.map(toSubpath), '--ignore-rules', 'cjs-resolves-to-esm']]
            : []),
        ];
        for (const extra of attwRuns) {
          const attw = run(
            bin('attw'),
            [tarballPath, '--format', 'table-flipped', '--no-emoji', ...extra],
            directory,
          );
          if (!attw.ok) problems.push(`attw:\n${attw.output}`);
        }
      }
      problems.push(...loadEntryPoints(directory, manifest));
    }
    if (problems.length === 0) {
      process.stdout.write(`ok   ${manifest.name}  (${entryPoints(manifest).join(', ')})\n`);
    } else {
      failures += 1;
      process.stdout.write(
        `FAIL ${manifest.name}\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`,
      );
    }
  }
} finally {
  rmSync(workDirectory, { recursive: true, force: true });
}

if (failures > 0) {
  process.stderr.write(`check-packages: ${failures} of ${packages.length} packages have problems\n`);
  process.exit(1);
}
process.stdout.write(`check-packages: ${packages.length} packages pass publint, attw and load checks\n`);
