// The engine knows nothing of what is built on it: nothing src/runner reaches imports the cutover
// (src/legacy), the dashboard (src/ui) or the CLI (src/cli). Those register with the runner instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, forbiddenImports, sourceFilesUnder, walkImports } from '../helpers/imports.ts';

test('nothing under src/runner imports src/legacy, src/ui or src/cli, even indirectly', async () => {
  assert.deepEqual(await forbiddenImports('src/runner', ['src/legacy', 'src/ui', 'src/cli']), []);
  const reached = await walkImports(await sourceFilesUnder(path.join(ROOT, 'src/runner')), () => {});
  assert.ok(reached.size > 20, 'the scan read the runner sources');
});

test('the check catches an import that leaves the layer, directly or through another module', async () => {
  // src/cli reaches src/legacy (the legacy commands) and the dashboard: the same scan must see it
  const problems = await forbiddenImports('src/cli', ['src/legacy', 'src/ui']);
  assert.ok(problems.some((p) => /^src\/cli\/commands\/legacy\.ts imports \.\.\/\.\.\/legacy\//.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /imports .*ui\/index\.tsx/.test(p)), 'dynamic imports count');
});
