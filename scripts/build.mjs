// Bundles the CLI (and, as lazily loaded chunks, the dashboard, runner and tasks) into dist/ with
// esbuild, so `ifqueue` starts without compiling TypeScript on every run. Runs on `npm install` in a
// checkout (prepare) and before `npm pack` (prepack), so a tarball ships the bundle. bin/ifqueue.js
// falls back to running the sources through tsx when dist/ is missing or older than src/.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

// `npm pack` and `npm publish` run prepack and then prepare: build once, in prepack.
if (process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { ifqueue: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  jsx: 'automatic',
  sourcemap: 'linked',
  logLevel: 'warning',
});
