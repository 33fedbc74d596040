// The dashboard wired to the real runner on a real PostgreSQL: the bugs that lived in the wiring between the
// store, the hooks and the runner's answers, which the fake runner cannot show.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitForState } from '../runner/support.ts';
import { buildDemoTasks } from '../../src/tasks/registry.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { mount, plain, KEY, type Harness } from './harness.ts';

describe('the dashboard on the real runner', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let runners: RunnerPool;
  let runner: Runner;
  let h: Harness<Runner> | null = null;

  before(async () => {
    db = await createTestDatabase('ui_real_runner');
    runners = new RunnerPool(db);
    runner = await runners.start(buildDemoTasks());
  });

  afterEach(async () => {
    await h?.close();
    h = null;
  });

  after(async () => {
    await runners?.stopAll();
    await db?.drop();
  });

  async function openQueue(task: string): Promise<Harness<Runner>> {
    const harness = mount({ api: runner });
    h = harness;
    await harness.waitFor((f) => f.includes('● live') && f.includes(task), 15_000);
    const index = harness.store.getState().snapshot!.queues.findIndex((q) => q.task === task);
    await harness.press('g', ...Array(index).fill('j'), KEY.enter);
    await harness.waitFor(`ifqueue › ${task}`);
    return harness;
  }

  /** Frames written since `from`, without colour codes. */
  const framesSince = (harness: Harness<Runner>, from: number) => harness.stdout.frames.slice(from).map(plain);

  test('pressing the number of the tab already shown keeps its rows instead of "loading…" until the next safety refresh', async () => {
    const ids = await Promise.all([1, 2].map((i) => runner.enqueue('demo-fail', { message: `tab test ${i}` }, { name: `tab-${i}` })));
    for (const id of ids) await waitForState(db, id, 'failed');
    const harness = await openQueue('demo-fail');
    // Enter on a queue with failures opens its failed tab (5): the common path of the bug.
    await harness.waitFor((f) => f.includes('[failed 2]') && f.includes('tab-1') && f.includes('tab-2') && f.includes('showing 1–2 of 2'), 15_000);
    assert.equal(harness.store.getState().jobList.tab, 'failed');

    const from = harness.stdout.frames.length;
    await harness.press('5');
    // The bridge's safety refresh is 60 s in these tests, so a list emptied under an unchanged key would stay
    // "loading…" far longer than this wait.
    await harness.press('j', 'k');
    const f = await harness.waitFor((x) => x.includes('tab-1') && x.includes('tab-2') && x.includes('showing 1–2 of 2'), 5_000);
    assert.doesNotMatch(f, /loading…/);
    for (const frame of framesSince(harness, from)) assert.doesNotMatch(frame, /loading…|no failed jobs/, 'no frame empties the list');
    const list = harness.store.getState().jobList;
    assert.equal(list.rows.length, 2);
    assert.equal(list.loading, false);

    // The same holds for a filter applied again unchanged, and for Esc on a filter line when no filter is set.
    const again = harness.stdout.frames.length;
    await harness.press('/', KEY.enter, '/', KEY.escape, 'j');
    await harness.waitFor((x) => x.includes('filter: —') && x.includes('showing 1–2 of 2'));
    for (const frame of framesSince(harness, again)) assert.doesNotMatch(frame, /loading…/);

    // Another tab still loads its own rows, and coming back loads the failed ones again.
    await harness.press('6');
    await harness.waitFor((x) => x.includes('[done 0]') && x.includes('no completed jobs in demo-fail'));
    await harness.press('5');
    await harness.waitFor((x) => x.includes('[failed 2]') && x.includes('showing 1–2 of 2'));
  });

  test('e on a failed job shows the attempt\'s stack, whose frames name the task\'s source file', async () => {
    const id = await runner.enqueue('demo-fail', { message: 'stack on demand' }, { name: 'stack-job' });
    await waitForState(db, id, 'failed');
    const harness = await openQueue('demo-fail');
    await harness.waitFor('stack-job', 15_000);
    for (let i = 0; i < 20 && !harness.frame().split('\n').find((l) => l.startsWith('›'))?.includes('stack-job'); i++) await harness.press('j');
    await harness.press(KEY.enter);
    let f = await harness.waitFor((x) => x.includes('✗ failed') && x.includes('e: stack'), 15_000);
    assert.match(f, /error stack on demand/);
    await harness.press('e');
    f = await harness.waitFor('─ Error stack · attempt 1');
    assert.match(f, /Error: stack on demand/);
    assert.match(f, /src\/tasks\/demo\/index\.ts:\d+:\d+/);
  });
});
