// README, "If a runner crashes": a runner restarted by systemd takes new jobs at once — it does not wait
// for the lost-runner window that recovers its previous process's jobs. Runners here use a long
// heartbeat window (30 s, lost after 90 s; the default is 5 s and 15 s), so "at once" is told apart
// from "after the heartbeat window".
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { Children } from './harness/children.ts';
import { clientRunner, enqueueKeys, keyRange, seconds, waitFor } from './harness/common.ts';
import { installLedger, report, unfinished } from './harness/ledger.ts';

/** A heartbeat window far longer than the default (IFQUEUE_HEARTBEAT_SECONDS=5, lost after three beats). */
const DEFAULT_TIMING = { heartbeatSeconds: 30, lostAfterSeconds: 90 };
/** "At once" on a busy machine: well inside the lost window, however slow the pickup. */
const AT_ONCE_MS = 20_000;

let db: TestDatabase;
let client: Awaited<ReturnType<typeof clientRunner>>;
const children = new Children();

before(async () => {
  db = await createTestDatabase('fault_restart');
  await installLedger(db.query);
  client = await clientRunner(db.url);
});

afterEach(() => children.stopAll());

after(async () => {
  await children.stopAll();
  await client?.close();
  await db?.drop();
});

test('a runner restarted after SIGKILL takes new jobs at once, long before the lost window of its previous process ends', async (t) => {
  assert.ok(AT_ONCE_MS < DEFAULT_TIMING.lostAfterSeconds * 1000, 'the bound ends before the lost window');
  const first = await children.startRunner('A', db.url, DEFAULT_TIMING);
  // the killed process holds a running job (its effect done, its completion not yet recorded)
  await client.runner.enqueue('ledger-work', { key: 'held-by-A', holdAfterEffect: true }, { name: 'held-by-A' });
  await waitFor('A to be working', async () => (await db.query(`SELECT 1 FROM fault.effect WHERE key = 'held-by-A'`)).rows.length === 1);
  first.kill('SIGKILL');
  await first.exited;

  const restarted = await children.startRunner('A restarted', db.url, DEFAULT_TIMING);
  const readyAt = Date.now();
  const keys = keyRange('after-restart', 5);
  await enqueueKeys(client.runner, keys);
  await waitFor('the new jobs to run on the restarted runner', async () => (await unfinished(db.query, keys)) === 0, AT_ONCE_MS, 100);
  const tookMs = Date.now() - readyAt;
  const { rows } = await db.query(`SELECT DISTINCT pid FROM fault.effect WHERE key = ANY($1)`, [keys]);
  assert.deepEqual(rows.map((r) => r.pid), [restarted.pid], 'the restarted process ran them');
  assert.ok(tookMs < AT_ONCE_MS, `ran ${seconds(tookMs)} after it was up (lost window ${DEFAULT_TIMING.lostAfterSeconds} s)`);
  report(t, [`restarted runner ran 5 new jobs ${seconds(tookMs)} after it was up (lost window ${DEFAULT_TIMING.lostAfterSeconds} s)`]);
});
