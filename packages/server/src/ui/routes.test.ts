import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createMemoryStore } from '@promptheus/core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { createUiRoutes, dashboardContentSecurityPolicy } from './routes.js';

const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'promptheus-ui-'));
  writeFileSync(
    join(directory, 'index.html'),
    '<!doctype html><link rel="stylesheet" href="app.css"><script src="app.js" defer></script><a href="https://example.com/">x</a>',
  );
  writeFileSync(join(directory, 'app.js'), script);
  writeFileSync(join(directory, 'app.css'), 'body{color:red}');
  writeFileSync(join(directory, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(directory, 'notes.exe'), 'not served');
  mkdirSync(join(directory, 'nested'));
  writeFileSync(join(directory, 'nested', 'secret.txt'), 'not served');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function app(assetsDir = directory): Hono {
  const root = new Hono();
  root.route('/ui', createUiRoutes({ assetsDir }));
  return root;
}

describe('dashboard routes', () => {
  it('redirects /ui to /ui/ with a relative location that survives a mount prefix', async () => {
    const response = await app().request('/ui?x=1');
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('ui/?x=1');
  });

  it('serves the page with a strict CSP, no-cache and versioned asset URLs', async () => {
    const response = await app().request('http://127.0.0.1:8080/ui/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    const version = /src="app\.js\?v=([A-Za-z0-9_-]+)"/.exec(html)?.[1];
    expect(version).toBeDefined();
    expect(html).toMatch(/href="app\.css\?v=[A-Za-z0-9_-]+"/);
    expect(html).toContain('href="https://example.com/"');

    const versioned = await app().request(`/ui/app.js?v=${version}`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await versioned.text()).toBe(script);

    const stale = await app().request('/ui/app.js?v=old');
    expect(stale.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves each file with its content type and answers 304 to a matching ETag', async () => {
    const css = await app().request('/ui/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await app().request('/ui/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    const etag = css.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await app().request('/ui/app.css', { headers: { 'If-None-Match': `W/${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const changed = await app().request('/ui/app.css', { headers: { 'If-None-Match': '"other"' } });
    expect(changed.status).toBe(200);
  });

  it('compresses with brotli or gzip as the client accepts, and not at all otherwise', async () => {
    const brotli = await app().request('/ui/app.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(brotli.headers.get('vary')).toBe('Accept-Encoding');
    const compressed = Buffer.from(await brotli.arrayBuffer());
    expect(compressed.length).toBeLessThan(script.length / 4);
    expect(brotliDecompressSync(compressed).toString()).toBe(script);

    const gzip = await app().request('/ui/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString()).toBe(script);

    const identity = await app().request('/ui/app.js');
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(await identity.text()).toBe(script);
  });

  it('serves only the known files of the folder: unknown types, sub-folders and traversal are 404', async () => {
    for (const path of [
      '/ui/notes.exe',
      '/ui/nested/secret.txt',
      '/ui/..%2Fpackage.json',
      '/ui/missing.js',
    ]) {
      const response = await app().request(path);
      expect(response.status, path).toBe(404);
    }
    const missing = await app().request('/ui/missing.js');
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'No dashboard file missing.js' },
    });
  });

  it('answers 503 naming the build command when the page is not built', async () => {
    const response = await app(join(directory, 'does-not-exist')).request('/ui/');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('config');
    expect(body.error.message).toContain('pnpm --filter @promptheus/server build');
  });

  it('drops a Host header that could break out of the CSP', () => {
    expect(dashboardContentSecurityPolicy('evil.example; script-src *')).not.toContain('evil');
    expect(dashboardContentSecurityPolicy('[::1]:8080')).toContain('ws://[::1]:8080');
  });
});

describe('createApp', () => {
  it('mounts the dashboard at /ui without the API token, even when reads are protected', async () => {
    const server = createApp({
      store: createMemoryStore(),
      config: { apiToken: 'secret-token', protectReads: true },
    });
    const redirect = await server.request('/ui');
    expect(redirect.status).toBe(308);
    const page = await server.request('/ui/');
    // 200 once `pnpm build` has produced dist/ui, 503 with the build command before: never 401.
    expect([200, 503]).toContain(page.status);
    if (page.status === 200)
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    else expect(((await page.json()) as { error: { message: string } }).error.message).toContain('build');
    const api = await server.request('/anomalies');
    expect(api.status).toBe(401);
  });
});
