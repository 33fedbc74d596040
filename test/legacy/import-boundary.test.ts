// The cutover knows no screen: nothing src/legacy reaches imports src/ui (the dashboard imports the
// cutover's types from src/legacy/types.ts instead) or src/cli.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenImports } from '../helpers/imports.ts';

test('nothing under src/legacy imports src/ui or src/cli, even indirectly', async () => {
  assert.deepEqual(await forbiddenImports('src/legacy', ['src/ui', 'src/cli']), []);
});

test('the dashboard takes the legacy types from src/legacy', async () => {
  const problems = await forbiddenImports('src/ui', ['src/legacy']);
  assert.ok(problems.some((p) => /imports \.\.\/(\.\.\/)?legacy\/types\.ts$/.test(p)), problems.join('\n'));
  assert.ok(problems.every((p) => /legacy\/types\.ts$/.test(p)), `the UI imports only the legacy types: ${problems.join('\n')}`);
});
