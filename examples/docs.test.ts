/**
 * Keeps the documentation honest: the README's configuration table lists every environment
 * variable the server reads, every relative link in the Markdown files leads to a file (and
 * heading) that exists, and every example says how to run it, at its top and in examples/README.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Names of the environment variables read through a zod object schema or `env['NAME']` / `env.NAME`. */
function variablesIn(path: string): string[] {
  const source = read(path);
  const names = new Set<string>();
  for (const match of source.matchAll(/^ {2}([A-Z][A-Z0-9_]+)\??: /gm)) names.add(match[1]!);
  for (const match of source.matchAll(/\benv(?:\['([A-Z][A-Z0-9_]+)'\]|\.([A-Z][A-Z0-9_]+)\b)/g)) {
    names.add((match[1] ?? match[2])!);
  }
  return [...names];
}

/** Markdown files the project ships: the READMEs and docs/ (not the generated API site). */
function markdownFiles(): string[] {
  const files = ['README.md', 'examples/README.md'];
  for (const name of readdirSync(join(root, 'packages'))) {
    if (existsSync(join(root, 'packages', name, 'README.md'))) files.push(`packages/${name}/README.md`);
  }
  const visit = (directory: string) => {
    for (const entry of readdirSync(join(root, directory), { withFileTypes: true })) {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory() && path !== 'docs/api') visit(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  visit('docs');
  return files;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} +(.+?) *#*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    anchors.add(
      text
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

describe('README configuration table', () => {
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Documentation'));

  const sources = [
    'packages/server/src/config.ts',
    'packages/llm/src/from-env.ts',
    'packages/notifiers/src/email-notifier.ts',
    'packages/notifiers/src/slack-notifier.ts',
  ];

  it.each(sources)('lists every variable read in %s', (source) => {
    const variables = variablesIn(source);
    expect(variables.length).toBeGreaterThan(0);
    const missing = variables.filter((name) => !table.includes(`\`${name}\``));
    expect(missing, `add these to the README's configuration table`).toEqual([]);
  });

  it('finds the variables it checks (the scan is not blind)', () => {
    const all = sources.flatMap(variablesIn);
    for (const name of [
      'PORT',
      'PROMETHEUS_URL',
      'MONGO_URI',
      'GEMINI_API_KEY',
      'SMTP_PASSWORD',
      'SLACK_WEBHOOK_URL',
    ]) {
      expect(all).toContain(name);
    }
  });
});

describe('Markdown links', () => {
  it.each(markdownFiles())('every relative link in %s leads somewhere', (file) => {
    const markdown = read(file);
    const broken: string[] = [];
    let fenced = false;
    for (const line of markdown.split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced) continue;
      for (const match of line.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? join(root, file) : resolve(dirname(join(root, file)), path);
        if (!existsSync(resolved)) {
          broken.push(`${target} (no ${relative(root, resolved)})`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile()) {
          if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor))
            broken.push(`${target} (no heading #${anchor})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('examples say how to run them', () => {
  const examples = readdirSync(join(root, 'examples')).filter(
    (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
  );
  const index = read('examples/README.md');

  it('finds the examples', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'custom-detector.ts',
        'custom-notifier.ts',
        'embed-nl2promql.ts',
        'full-monitor.ts',
        'sdk-mongodb.ts',
      ]),
    );
  });

  it.each(examples)('%s has its command at the top and in examples/README.md', (name) => {
    const header = /^\/\*\*[\s\S]*?\*\//.exec(read(`examples/${name}`))?.[0] ?? '';
    expect(header, 'the file starts with a comment holding its run command').toContain(
      `tsx examples/${name}`,
    );
    expect(index).toContain(`tsx examples/${name}`);
    expect(index).toContain(`(./${name})`);
  });
});
