// Every break of the guarantee canary still applies to the code as it is: each snippet matches its
// file exactly once. The canary itself takes long and runs before releases (npm run test:canary);
// this check takes milliseconds, so a change that moves the code a break points at is told at once
// to re-anchor it in scripts/canary/breaks.ts, instead of the canary failing weeks later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { applyBreak } from '../../scripts/canary/apply.ts';
import { BREAKS } from '../../scripts/canary/breaks.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every break of the guarantee canary applies exactly once, and changes its file', async () => {
  const problems: string[] = [];
  for (const b of BREAKS) {
    const original = await readFile(root + b.file, 'utf8').catch(() => null);
    if (original === null) {
      problems.push(`${b.id}: ${b.file} does not exist: re-anchor this break in scripts/canary/breaks.ts`);
      continue;
    }
    const patched = applyBreak(b, original);
    if ('problem' in patched) problems.push(`${b.id}: ${patched.problem}`);
    else if (patched.text === original) problems.push(`${b.id}: its edits change nothing in ${b.file}`);
  }
  assert.deepEqual(problems, []);
});

test('break ids are unique and every break names tests that exist', async () => {
  assert.equal(new Set(BREAKS.map((b) => b.id)).size, BREAKS.length);
  for (const b of BREAKS) {
    assert.ok(b.tests.length > 0, `${b.id} names no test`);
    for (const t of b.tests) await assert.doesNotReject(readFile(root + t), `${b.id}: ${t} does not exist`);
  }
});
