import { defineConfig } from 'tsup';
import { uiBuildOptions } from './ui/build';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // dist/ui is the dashboard, built by the last entry at the same time.
    clean: ['!ui/**'],
    sourcemap: true,
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
  uiBuildOptions(),
]);
