// The demo tasks honour their signal: stopped, they throw, and their log never claims work they did not do
// (a cancelled demo-sleep of 50 s used to log "slept 50s of 50s" the moment it was cancelled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLogBurst, demoSleep } from '../../../src/tasks/demo/index.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';

test('demo-sleep stops when its signal fires and logs only the seconds it slept', async () => {
  const ctx = makeTaskContext('demo-sleep');
  const started = Date.now();
  setTimeout(() => ctx.controller.abort(new Error('job cancelled')), 1500);
  await assert.rejects(demoSleep.handler({ seconds: 30 }, ctx), /job cancelled/);
  assert.ok(Date.now() - started < 5000, 'it stopped at once, not after its 30 s');
  assert.deepEqual(ctx.lines.map((l) => l.text), ['slept 1s of 30s'], 'one second slept, one line');
  assert.deepEqual(ctx.progressUpdates.at(-1), { current: 1, total: 30 });
});

test('demo-log-burst stops between its batches of lines when its signal fires', async () => {
  const ctx = makeTaskContext('demo-log-burst');
  ctx.controller.abort(new Error('runner shutting down'));
  await assert.rejects(demoLogBurst.handler({ lines: 5000 }, ctx), /runner shutting down/);
  assert.equal(ctx.lines.length, 1000, 'it stopped after its first batch');
});
