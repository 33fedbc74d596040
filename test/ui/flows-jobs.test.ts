// Key flows on queues and jobs, against the fake runner.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, KEY, type Harness } from './harness.ts';
import type { FakeRunner } from './fake-runner.ts';

async function openQueue(h: Harness, task: string): Promise<void> {
  await h.waitFor('● live');
  const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === task);
  await h.press('g', ...Array(index).fill('j'), KEY.enter);
  await h.waitFor(`ifqueue › ${task}`);
}

function failedIds(api: FakeRunner): string[] {
  return [...api.jobs.values()].filter((j) => j.state === 'failed').map((j) => j.id);
}

describe('job flows', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('open a failed job, retry it with r, and see it run to completion', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.waitFor('CloneUrl(10231)');
    await h.press(KEY.enter);
    await h.waitFor('✗ failed');
    const [id] = failedIds(api);
    await h.press('r');
    let f = await h.waitFor('✓ Retried job');
    assert.match(f, /CloneUrl\(10231\)/);
    assert.equal(api.jobs.get(id)!.state, 'created');
    api.start(id);
    f = await h.waitFor('▶ active');
    assert.match(f, /attempt 2\/3/);
    api.log(id, 'second attempt works');
    await h.waitFor('second attempt works');
    api.complete(id);
    await h.waitFor('✓ done');
  });

  test('R asks with the count and scope; Esc does nothing, Enter retries them all', async () => {
    const api = await seededRunner();
    const second = await api.enqueue('demo-fail', { message: 'boom' }, { name: 'second failure' });
    api.start(second);
    api.fail(second, 'boom');
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.waitFor('showing 1–2 of 2');
    await h.press('R');
    let f = await h.waitFor('Retry all failed');
    assert.match(f, /Retry 2 failed jobs in demo-fail\?/);
    assert.match(f, /Filter: none/);
    await h.press(KEY.escape);
    await h.waitFor('Nothing done');
    assert.equal(failedIds(api).length, 2);
    await h.press('R');
    await h.waitFor('Retry 2 failed jobs');
    await h.press(KEY.enter);
    f = await h.waitFor('✓ Retried 2 failed jobs in demo-fail');
    assert.equal(failedIds(api).length, 0);
    await h.waitFor('no failed jobs in demo-fail');
  });

  test('R with a filter retries only the matching failed jobs', async () => {
    const api = await seededRunner();
    const other = await api.enqueue('demo-fail', { message: 'boom' }, { name: 'other one' });
    api.start(other);
    api.fail(other, 'boom');
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.press('/');
    await h.type('10231');
    await h.press(KEY.enter);
    await h.waitFor('filter: 10231');
    await h.press('R');
    await h.waitFor('Retry 1 failed job in demo-fail matching "10231"?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Retried 1 failed job');
    assert.deepEqual(failedIds(api), [other]);
  });

  test('R outside the failed tab explains itself, and the error goes away with the next key', async () => {
    h = mount({ api: await seededRunner() });
    await openQueue(h, 'demo-sleep');
    await h.press('R');
    await h.waitFor('✗ R retries failed jobs: switch to the failed tab (5)');
    await h.press('j');
    await h.waitFor((f) => !f.includes('R retries failed jobs'));
  });

  test('/ filters by name, id or args; Enter keeps the filter, Esc while editing clears it', async () => {
    const api = await seededRunner();
    for (let i = 0; i < 5; i++) await api.enqueue('clone-file', { urlId: 500 + i }, { name: `CloneUrl(${500 + i})` });
    h = mount({ api });
    await openQueue(h, 'clone-file');
    await h.waitFor('showing 1–5 of 5');
    await h.press('/');
    await h.type('503');
    let f = await h.waitFor('filter: /503▌');
    await h.press(KEY.enter);
    f = await h.waitFor('showing 1–1 of 1');
    assert.match(f, /CloneUrl\(503\)/);
    assert.doesNotMatch(f, /CloneUrl\(504\)/);
    assert.match(f, /filter: 503/);
    await h.press('/', KEY.escape);
    f = await h.waitFor('showing 1–5 of 5');
    assert.match(f, /filter: —/);
  });

  test('tabs switch with l, h, Tab and the digits, and each shows its jobs', async () => {
    h = mount({ api: await seededRunner() });
    await openQueue(h, 'demo-sleep');
    await h.waitFor('[active 1]');
    await h.press('h');
    let f = await h.waitFor('[sched 1]');
    assert.match(f, /sleep-later/);
    await h.press('h');
    f = await h.waitFor('[wait 1]');
    assert.match(f, /sleep-waiting/);
    await h.press(KEY.tab, KEY.tab);
    await h.waitFor('[active 1]');
    await h.press('7');
    f = await h.waitFor('[cancel 1]');
    assert.match(f, /sleep-cancelled/);
    await h.press('l');
    await h.waitFor('[wait 1]');
  });

  test('x cancels the selected job; d asks, then deletes it', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await openQueue(h, 'demo-sleep');
    await h.waitFor('sleep-running');
    const running = [...api.jobs.values()].find((j) => j.name === 'sleep-running')!;
    await h.press('x');
    await h.waitFor('✓ Cancelled job');
    assert.equal(api.jobs.get(running.id)!.state, 'cancelled');
    await h.press('7');
    await h.waitFor('[cancel 2]');
    await h.press('d');
    await h.waitFor(/Delete job .* in demo-sleep\?/);
    await h.press(KEY.enter);
    await h.waitFor('✓ Deleted job');
    assert.equal(api.jobs.size, 5);
  });

  test('c opens the cleanup form (age from IFQUEUE_RETENTION_DAYS), counts what would go, then deletes it on Enter', async () => {
    const api = await seededRunner();
    const old = new Date(Date.now() - 30 * 86_400_000).toISOString();
    for (const job of [...api.jobs.values()]) if (job.state === 'completed' || job.state === 'cancelled') api.setState(job.id, job.state, { finishedAt: old });
    const total = api.jobs.size;
    h = mount({ api, retentionDays: 21 });
    await h.waitFor('● live');
    await h.press('c');
    let f = await h.waitFor('─ Cleanup all queues');
    assert.match(f, /older than\s+21d/);
    assert.match(f, /in all queues, finished more than 21 days ago/);
    await h.press(KEY.enter);
    f = await h.waitFor('Delete 2 jobs');
    assert.match(f, /Delete 2 jobs in all queues finished more than 21 days ago\?/);
    assert.match(f, /Completed 1, cancelled 1\./);
    assert.doesNotMatch(f, /14 days/);
    assert.equal(api.jobs.size, total, 'the preview deleted nothing');
    await h.press(KEY.enter);
    await h.waitFor('✓ Cleanup deleted 2 jobs in all queues (older than 21 days)');
    assert.equal(api.jobs.size, total - 2);
  });

  test('p pauses the selected queue and shows it, p again resumes it', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('p');
    let f = await h.waitFor('‖ paused');
    assert.match(f, /Paused queue demo-sleep/);
    assert.ok(api.paused.has('demo-sleep'));
    await h.press('p');
    f = await h.waitFor('✓ Resumed queue demo-sleep');
    assert.ok(!api.paused.has('demo-sleep'));
  });

  test('an action while the database is down reports the error and the header says so; it recovers', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    api.setDown(true);
    await h.waitFor('✗ database down: connect ECONNREFUSED 127.0.0.1:5432 (retrying)');
    await h.press('p');
    await h.waitFor('✗ connect ECONNREFUSED');
    api.setDown(false);
    await h.waitFor('● live');
  });
});
