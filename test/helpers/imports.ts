// Reads the import graph of the sources, for the layering tests: which project modules a directory
// reaches, directly or through other project modules.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export async function sourceFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier in a source file: static imports and re-exports, side-effect imports, dynamic imports. */
export function importSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]);
}

export interface ImportEdge {
  /** the importing file, relative to the repository root */
  from: string;
  /** the specifier as written */
  spec: string;
  /** the resolved file for relative specifiers, else null (a package) */
  target: string | null;
}

/** Walks the project modules reachable from `start` through relative imports; calls `visit` for every import. */
export async function walkImports(start: string[], visit: (edge: ImportEdge) => void): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importSpecifiers(await readFile(file, 'utf8'))) {
      const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : null;
      visit({ from: path.relative(ROOT, file), spec, target });
      if (target?.startsWith(path.join(ROOT, 'src')) && /\.(ts|tsx)$/.test(target)) queue.push(target);
    }
  }
  return seen;
}

/** The imports that reach a forbidden directory, each with the chain of modules that leads there. */
export async function forbiddenImports(dir: string, forbidden: string[]): Promise<string[]> {
  const start = await sourceFilesUnder(path.join(ROOT, dir));
  if (!start.length) throw new Error(`no sources under ${dir}`);
  const problems: string[] = [];
  const dirs = forbidden.map((f) => path.join(ROOT, f) + path.sep);
  await walkImports(start, ({ from, spec, target }) => {
    if (target && dirs.some((d) => target.startsWith(d))) problems.push(`${from} imports ${spec}`);
  });
  return problems;
}
