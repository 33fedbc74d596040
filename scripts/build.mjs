// Bundles the CLI (and, as lazily loaded chunks, the dashboard, runner and tasks) into dist/ with
// esbuild, so `ifqueue` starts without compiling TypeScript on every run. Runs on `npm install` in a
// checkout (prepare) and before `npm pack` (prepack), so a tarball ships the bundle. bin/ifqueue.js
// falls back to running the sources through tsx when dist/ is missing or older than src/, and turns
// source maps on before loading the bundle, so the stack of a failed job names src/… files and lines
// rather than the bundle's chunks. `--outdir DIR` builds elsewhere (tests).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm pack` and `npm publish` run prepack and then prepare: build once, in prepack.
if (process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { ifqueue: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  jsx: 'automatic',
  sourcemap: 'linked',
  // Stack traces need the mappings, not the sources: the maps stay a third of the size.
  sourcesContent: false,
  logLevel: 'warning',
});
