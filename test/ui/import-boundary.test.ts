// The dashboard talks to the database only through the runner façade: nothing under src/ui may reach pg, pg-boss
// or the SQL module, directly or through another project module it imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, importSpecifiers as specifiers, sourceFilesUnder, walkImports } from '../helpers/imports.ts';

const FORBIDDEN = /^(pg|pg-boss|pg-pool|pg-cursor|postgres)(\/|$)/;

test('nothing under src/ui imports pg, pg-boss or the SQL module, even indirectly', async () => {
  const start = await sourceFilesUnder(path.join(ROOT, 'src/ui'));
  assert.ok(start.length > 20, 'the scan found the dashboard sources');
  const problems: string[] = [];
  const seen = await walkImports(start, ({ from, spec, target }) => {
    if (FORBIDDEN.test(spec)) problems.push(`${from} imports ${spec}`);
    if (target && /\/runner\/(sql|lifecycle-sql)(\.ts)?$/.test(target)) problems.push(`${from} imports the SQL module`);
  });
  assert.deepEqual(problems, []);
  assert.ok([...seen].some((f) => f.endsWith('src/runner/types.ts')), 'the scan followed imports into the runner contract');
});

test('the scan recognises the import forms it must catch', () => {
  const sample = `import pg from 'pg';\nimport type { X } from "pg-boss";\nexport { y } from './sql.ts';\nconst m = await import('pg/lib/client');\nimport 'pg';`;
  assert.deepEqual(specifiers(sample), ['pg', 'pg-boss', './sql.ts', 'pg/lib/client', 'pg']);
  assert.ok(specifiers(sample).filter((s) => FORBIDDEN.test(s)).length === 4);
});
