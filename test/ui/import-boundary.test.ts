// The dashboard talks to the database only through the runner façade: nothing under src/ui may reach pg, pg-boss
// or the SQL module, directly or through another project module it imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const uiDir = path.join(root, 'src/ui');
const FORBIDDEN = /^(pg|pg-boss|pg-pool|pg-cursor|postgres)(\/|$)/;
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

function specifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('nothing under src/ui imports pg, pg-boss or the SQL module, even indirectly', async () => {
  const start = await filesUnder(uiDir);
  assert.ok(start.length > 20, 'the scan found the dashboard sources');
  const seen = new Set<string>();
  const queue = [...start];
  const problems: string[] = [];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiers(await readFile(file, 'utf8'))) {
      const from = path.relative(root, file);
      if (FORBIDDEN.test(spec)) problems.push(`${from} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (/\/runner\/sql(\.ts)?$/.test(target)) problems.push(`${from} imports the SQL module`);
      if (target.startsWith(path.join(root, 'src')) && /\.(ts|tsx)$/.test(target)) queue.push(target);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok([...seen].some((f) => f.endsWith('src/runner/types.ts')), 'the scan followed imports into the runner contract');
});

test('the scan recognises the import forms it must catch', () => {
  const sample = `import pg from 'pg';\nimport type { X } from "pg-boss";\nexport { y } from './sql.ts';\nconst m = await import('pg/lib/client');\nimport 'pg';`;
  assert.deepEqual(specifiers(sample), ['pg', 'pg-boss', './sql.ts', 'pg/lib/client', 'pg']);
  assert.ok(specifiers(sample).filter((s) => FORBIDDEN.test(s)).length === 4);
});
