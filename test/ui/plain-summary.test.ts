import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { printPlainSummary } from '../../src/ui/index.tsx';
import { seededRunner } from './harness.ts';
import { FakeRunner } from './fake-runner.ts';

async function capture(api: FakeRunner): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  await printPlainSummary(api, out);
  return text;
}

test('without a terminal, a plain summary lists totals, queues, runners and schedules', async () => {
  const api = await seededRunner();
  const text = await capture(api);
  assert.match(text, /^ifqueue {2}ifdb@db\.example:5432\/ifdb/);
  assert.match(text, /totals: waiting 1, scheduled 1, active 1, retry 0, failed 1/);
  assert.match(text, /demo-fail\s+0\s+0\s+0\s+0\s+1\s+0\s+0\s+-\s+no/);
  assert.match(text, /web1 pid 4121 daemon/);
  assert.match(text, /import-games \(default\) 0 \*\/6 \* \* \* UTC next/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /\u001b/);
});

test('an unreachable database gives one line naming it, without the password', async () => {
  const api = new FakeRunner();
  api.setDown(true);
  await assert.rejects(capture(api), (error: Error) => {
    assert.match(error.message, /^cannot read the queue from ifdb@db\.example:5432\/ifdb: connect ECONNREFUSED/);
    assert.doesNotMatch(error.message, /\*\*\*\*\*|\n/);
    assert.ok(error.cause instanceof Error);
    return true;
  });
});
