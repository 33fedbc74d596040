// The dashboard's cleanup: its words follow IFQUEUE_RETENTION_DAYS, and it can choose an age and take failed jobs.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import type { FakeRunner } from './fake-runner.ts';

async function openQueue(h: Harness, task: string): Promise<void> {
  await h.waitFor('● live');
  const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === task);
  await h.press('g', ...Array(index).fill('j'), KEY.enter);
  await h.waitFor(`ifqueue › ${task}`);
}

/** Finished jobs of demo-fail: two failed and one completed 3 hours ago, one completed 10 minutes ago. */
async function agedJobs(): Promise<FakeRunner> {
  const api = await seededRunner();
  const at = (ms: number) => new Date(Date.now() - ms).toISOString();
  for (const [state, age] of [['failed', 3 * 3_600_000], ['failed', 3 * 3_600_000], ['completed', 3 * 3_600_000], ['completed', 600_000]] as const) {
    const id = await api.enqueue('demo-fail', { message: state }, { name: `${state} ${age}` });
    api.start(id);
    api.setState(id, state, { finishedAt: at(age) });
  }
  return api;
}

const count = (api: FakeRunner, task: string, state: string) => [...api.jobs.values()].filter((j) => j.task === task && j.state === state).length;

describe('cleanup', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('with IFQUEUE_RETENTION_DAYS=1 every text says 1 day, never 14 days, and minutes-old jobs are not offered', async () => {
    const api = await agedJobs();
    h = mount({ api, retentionDays: 1 });
    await openQueue(h, 'demo-fail');
    await h.press('c');
    const f = await h.waitFor('─ Cleanup demo-fail');
    assert.match(f, /older than\s+1d/);
    assert.match(f, /default 1d from IFQUEUE_RETENTION_DAYS/);
    await h.press(KEY.enter);
    const note = await h.waitFor('Nothing to clean up');
    assert.match(note, /· Nothing to clean up in demo-fail older than 1 day \(failed jobs kept\)/);
    for (const frame of h.stdout.frames) assert.doesNotMatch(frame, /14 days|14d/);
    assert.equal(count(api, 'demo-fail', 'completed'), 2);
  });

  test('an age typed in the form (3 hours ago is older than 1h) and failed jobs included, counted first, then deleted', async () => {
    const api = await agedJobs();
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.press('c');
    await h.waitFor('─ Cleanup demo-fail');
    await h.press(KEY.ctrlU);
    await h.type('1x');
    await h.waitFor('✗ invalid duration "1x"');
    await h.press(KEY.backspace, 'h', KEY.tab, ' ');
    let f = await h.waitFor('[x] yes');
    assert.match(f, /Deletes completed, cancelled and failed jobs/);
    assert.match(f, /in demo-fail, finished more than 1 hour ago/);
    await h.press(KEY.enter);
    f = await h.waitFor('Delete 3 jobs in demo-fail finished more than 1 hour ago?');
    assert.match(f, /Completed 1, cancelled 0, failed 2\./);
    assert.equal(count(api, 'demo-fail', 'failed'), 3, 'counting deleted nothing');
    await h.press(KEY.enter);
    await h.waitFor('✓ Cleanup deleted 3 jobs in demo-fail (older than 1 hour)');
    // The seeded failure (finished now) and the 10-minute-old completion stay.
    assert.equal(count(api, 'demo-fail', 'failed'), 1);
    assert.equal(count(api, 'demo-fail', 'completed'), 1);
    assertFramesFit(h);
  });

  test('Esc in the form or at the question deletes nothing', async () => {
    const api = await agedJobs();
    const before = api.jobs.size;
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.press('c');
    await h.waitFor('─ Cleanup demo-fail');
    await h.press(KEY.escape);
    await h.waitFor((f) => !f.includes('─ Cleanup'));
    await h.press('c', KEY.ctrlU);
    await h.type('1h');
    await h.press(KEY.enter);
    await h.waitFor('Delete 1 job in demo-fail');
    await h.press(KEY.escape);
    await h.waitFor('Nothing done');
    assert.equal(api.jobs.size, before);
    assert.equal(api.calls.cleanup, 1, 'only the count ran');
  });
});
