import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import type { Context } from 'hono';
import { Hono } from 'hono';

/** Options of {@link createUiRoutes}. */
export interface UiRoutesOptions {
  /**
   * Directory holding the built page (`index.html`, `app.js`, `app.css`, ...).
   * @default the `ui` folder of the server package's build (`dist/ui`)
   */
  readonly assetsDir?: string;
}

interface Asset {
  readonly body: Uint8Array;
  readonly gzip: Uint8Array | null;
  readonly brotli: Uint8Array | null;
  readonly contentType: string;
  /** Short content hash, used as `?v=` and in the ETag. */
  readonly hash: string;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);

/** A year, for assets whose URL changes with their content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function moduleDirectory(): string | null {
  if (typeof __dirname === 'string') return __dirname;
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return null;
  }
}

/**
 * Where the built page is: `dist/ui` next to the bundled server (`dist/index.js`, `dist/cli.js`),
 * or, when running from the sources, the package's `dist/ui`.
 */
export function defaultUiAssetsDir(): string | null {
  const here = moduleDirectory();
  if (!here) return null;
  const candidates = [join(here, 'ui'), join(here, '..', '..', 'dist', 'ui')];
  return candidates.find((candidate) => existsSync(join(candidate, 'index.html'))) ?? candidates[0]!;
}

function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const extension = extname(entry.name).toLowerCase();
    const contentType = contentTypes[extension];
    if (!contentType) continue;
    const body = new Uint8Array(readFileSync(join(directory, entry.name)));
    const shouldCompress = compressible.has(extension) && body.byteLength > 1024;
    assets.set(entry.name, {
      body,
      gzip: shouldCompress ? new Uint8Array(gzipSync(body, { level: 9 })) : null,
      brotli: shouldCompress
        ? new Uint8Array(
            brotliCompressSync(body, {
              params: {
                [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
                [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
              },
            }),
          )
        : null,
      contentType,
      hash: createHash('sha256').update(body).digest('base64url').slice(0, 16),
    });
  }
  const page = assets.get('index.html');
  if (page) {
    // Point the page at versioned asset URLs, so browsers may keep them forever.
    const html = new TextDecoder()
      .decode(page.body)
      .replace(/\b(src|href)="([^"?#:]+)"/g, (match, attribute: string, name: string) => {
        const asset = assets.get(name);
        return asset ? `${attribute}="${name}?v=${asset.hash}"` : match;
      });
    const body = new TextEncoder().encode(html);
    assets.set('index.html', {
      ...page,
      body,
      gzip: new Uint8Array(gzipSync(body, { level: 9 })),
      brotli: new Uint8Array(brotliCompressSync(body)),
      hash: createHash('sha256').update(body).digest('base64url').slice(0, 16),
    });
  }
  return assets;
}

/**
 * The Content-Security-Policy of the page: its own scripts and styles only, no inline code, no
 * other origin; API calls and the live WebSocket go to the server that served the page.
 */
export function dashboardContentSecurityPolicy(host: string | undefined): string {
  const sockets = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function encodingFor(context: Context, asset: Asset): 'br' | 'gzip' | null {
  const accepted = context.req.header('accept-encoding') ?? '';
  if (asset.brotli && /\bbr\b/.test(accepted)) return 'br';
  if (asset.gzip && /\bgzip\b/.test(accepted)) return 'gzip';
  return null;
}

/**
 * Routes that serve the dashboard page at `/ui/`: `index.html`, the script, the stylesheet and the
 * icon from the package's build, with their content types, compression (br/gzip), ETags, a strict
 * Content-Security-Policy, `no-cache` for the page and long-lived caching for versioned assets.
 * `/ui` redirects to `/ui/` so the page's relative URLs resolve under any mount prefix. When the
 * page is not built the routes answer 503 with the command that builds it.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.route('/ui', createUiRoutes());
 * ```
 */
export function createUiRoutes(options: UiRoutesOptions = {}): Hono {
  let assets: Map<string, Asset> | null = null;
  let loadedFrom: string | null = null;

  const currentAssets = (): Map<string, Asset> | null => {
    if (assets) return assets;
    const directory = options.assetsDir ?? defaultUiAssetsDir();
    if (!directory || !existsSync(join(directory, 'index.html')) || !statSync(directory).isDirectory()) {
      loadedFrom = directory;
      return null;
    }
    assets = loadAssets(directory);
    loadedFrom = directory;
    return assets;
  };

  const notBuilt = (context: Context) =>
    context.json(
      {
        error: {
          code: 'config',
          message: `The dashboard is not built${loadedFrom ? ` (looked in ${loadedFrom})` : ''}: run \`pnpm --filter @promptheus/server build\` (or \`pnpm build\`)`,
        },
      },
      503,
    );

  const send = (context: Context, name: string) => {
    const all = currentAssets();
    if (!all) return notBuilt(context);
    const asset = all.get(name);
    if (!asset) {
      return context.json({ error: { code: 'not_found', message: `No dashboard file ${name}` } }, 404);
    }
    const headers: Record<string, string> = {
      'Content-Type': asset.contentType,
      ETag: `"${asset.hash}"`,
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
    };
    if (name === 'index.html') {
      headers['Cache-Control'] = 'no-cache';
      headers['Content-Security-Policy'] = dashboardContentSecurityPolicy(new URL(context.req.url).host);
      headers['Referrer-Policy'] = 'no-referrer';
      headers['X-Frame-Options'] = 'DENY';
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Permissions-Policy'] = 'camera=(), microphone=(), geolocation=()';
    } else {
      headers['Cache-Control'] = context.req.query('v') === asset.hash ? IMMUTABLE : 'no-cache';
    }
    const tags = context.req.header('if-none-match');
    if (tags?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === headers['ETag'])) {
      return context.body(null, 304, headers);
    }
    const encoding = encodingFor(context, asset);
    const body = encoding === 'br' ? asset.brotli! : encoding === 'gzip' ? asset.gzip! : asset.body;
    if (encoding) headers['Content-Encoding'] = encoding;
    headers['Content-Length'] = String(body.byteLength);
    return context.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  };

  const routes = new Hono();
  // `/ui` → `/ui/`: a relative Location keeps any mount prefix.
  routes.get('/', (context) => {
    const url = new URL(context.req.url);
    const last = url.pathname.split('/').at(-1) || 'ui';
    return context.body(null, 308, { Location: `${last}/${url.search}`, 'Cache-Control': 'no-cache' });
  });
  routes.get('/:file{[A-Za-z0-9_.-]*}', (context) =>
    send(context, context.req.param('file') || 'index.html'),
  );
  return routes;
}
