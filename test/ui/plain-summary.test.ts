import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { printPlainSummary } from '../../src/ui/index.tsx';
import { seededRunner } from './harness.ts';
import getPort from 'get-port';
import { Runner } from '../../src/runner/runner.ts';
import type { QueueApi } from '../../src/runner/types.ts';

async function capture(api: QueueApi): Promise<string> {
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
  // A real runner given the password in its URL, on a port where nothing listens.
  const port = await getPort();
  const password = 'pl41n-summary-s3cret';
  const api = new Runner({ databaseUrl: `postgres://ifdb:${password}@127.0.0.1:${port}/ifdb`, tasks: [], work: false, register: false, onError: () => {} });
  try {
    await assert.rejects(capture(api), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot read the queue from ifdb@127\\.0\\.0\\.1:${port}/ifdb: .*ECONNREFUSED`));
      assert.doesNotMatch(error.message, new RegExp(password));
      assert.doesNotMatch(error.message, /\n/);
      assert.ok(error.cause instanceof Error);
      assert.doesNotMatch(String((error.cause as Error).message), new RegExp(password), 'nor in its cause');
      return true;
    });
  } finally {
    await api.stop();
  }
});
