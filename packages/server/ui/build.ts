import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

const uiDirectory = dirname(fileURLToPath(import.meta.url));

/** Where `pnpm build` writes the dashboard: `dist/ui` inside the server package. */
export const UI_OUTPUT_DIRECTORY = join(uiDirectory, '..', 'dist', 'ui');

/**
 * tsup options that bundle the dashboard page served at `/ui`: one script (`app.js`, uPlot
 * included) and one stylesheet (`app.css`) for browsers, plus the static files of `ui/public`
 * (`index.html`, the icon). Everything is self-contained: the page loads nothing from elsewhere.
 *
 * @param outDir Output directory. @default {@link UI_OUTPUT_DIRECTORY}
 */
export function uiBuildOptions(outDir: string = UI_OUTPUT_DIRECTORY): Options {
  return {
    name: 'ui',
    entry: { app: join(uiDirectory, 'src', 'main.ts') },
    outDir,
    format: ['iife'],
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
    tsconfig: join(uiDirectory, 'tsconfig.json'),
    outExtension: () => ({ js: '.js' }),
    publicDir: join(uiDirectory, 'public'),
    noExternal: [/.*/],
    minify: true,
    treeshake: false,
    sourcemap: false,
    dts: false,
    clean: true,
    splitting: false,
    esbuildOptions(options) {
      options.legalComments = 'none';
      options.charset = 'utf8';
    },
  };
}
