// Key flows through the dialogs: the enqueue form, the import picker, feeds, and the schedule editor.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, KEY, type Harness } from './harness.ts';

describe('form flows', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('n opens a form prefilled with the task example; bad args are caught while typing and not enqueued', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('n');
    let f = await h.waitFor('─ New job');
    assert.match(f, /task\s+demo-sleep/);
    assert.match(f, /args\s+\{"seconds":5\}/);
    assert.match(f, /seconds\?\s+number 0–86400 \(default 5\)/);
    await h.press(KEY.ctrlU);
    await h.type('{"seconds":"soon"}');
    f = await h.waitFor('✗ seconds:');
    assert.match(f, /expected number/);
    const before = api.jobs.size;
    await h.press(KEY.enter);
    await h.waitFor('Not enqueued: seconds:');
    assert.equal(api.jobs.size, before);
    assert.ok(h.store.getState().dialog, 'the form stays open to be fixed');
    await h.press(KEY.ctrlU);
    await h.type('{"seconds":');
    await h.waitFor('args are not valid JSON');
    await h.type('2}');
    await h.waitFor('✓ looks valid');
    await h.press(KEY.tab);
    await h.type('my nap');
    await h.press(KEY.tab);
    await h.type('abc');
    await h.waitFor('priority must be a whole number');
    await h.press(KEY.backspace, KEY.backspace, KEY.backspace);
    await h.type('5');
    await h.press(KEY.enter);
    f = await h.waitFor('✓ Enqueued demo-sleep job');
    const job = [...api.jobs.values()].find((j) => j.name === 'my nap');
    assert.deepEqual(job?.args, { seconds: 2 });
    assert.equal(job?.priority, 5);
    assert.equal(h.store.getState().dialog, null);
  });

  test("the runner's own rejection is shown in the form, which stays open", async () => {
    const api = await seededRunner();
    api.enqueue = async () => {
      throw new Error('invalid arguments for demo-sleep: seconds: Too big: expected number to be <=86400');
    };
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('n', KEY.enter);
    const f = await h.waitFor('✗ invalid arguments for demo-sleep');
    assert.match(f, /─ New job/);
    assert.match(f, /Not enqueued: invalid arguments/);
  });

  test('the task is chosen with ←/→ and the args follow the chosen task', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('n', KEY.up);
    await h.waitFor('‹ demo-sleep ›');
    await h.press(KEY.right);
    const f = await h.waitFor('‹ demo-fail ›');
    assert.match(f, /message\?\s+text \(default "demo failure"\)/);
    await h.press(KEY.escape);
    await h.waitFor('─ Queues');
  });

  test('i picks an import and dry-run, enqueues it once, and says so when it is already queued', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('i');
    await h.waitFor('Trigger an import');
    await h.press('j', ' ');
    await h.waitFor('[x] dry run');
    await h.press(KEY.enter);
    await h.waitFor('✓ Enqueued import-force-update-urls (dry run) as job');
    const job = [...api.jobs.values()].find((j) => j.task === 'import-force-update-urls');
    assert.deepEqual(job?.args, { dryRun: true });
    await h.press('i', 'j', ' ', KEY.enter);
    await h.waitFor('! import-force-update-urls (dry run) not enqueued: already queued or running');
    assert.equal([...api.jobs.values()].filter((j) => j.task === 'import-force-update-urls').length, 1);
  });

  test('f enqueues a feed fetch, once', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('f');
    await h.waitFor('✓ Enqueued fetch-feeds as job');
    await h.press('f');
    await h.waitFor('! fetch-feeds not enqueued: already queued or running');
    assert.equal([...api.jobs.values()].filter((j) => j.task === 'fetch-feeds').length, 1);
  });

  test('a schedule is added with its cron checked as you type, then paused, run now and deleted', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('s', 'a');
    await h.waitFor('─ Add schedule');
    await h.press(KEY.right);
    await h.waitFor('‹ demo-fail ›');
    await h.press(KEY.tab, KEY.ctrlU);
    await h.type('*/15 * *');
    let f = await h.waitFor(/✗ .*CronPattern/);
    await h.press(KEY.enter);
    await h.waitFor('Not saved: cron:');
    await h.type(' * *');
    f = await h.waitFor('✓ next');
    assert.match(f, /✓ Enter saves/);
    await h.press(KEY.tab, KEY.tab, KEY.ctrlU);
    await h.type('{"message":"nightly"}');
    await h.press(KEY.enter);
    await h.waitFor('✓ Saved schedule demo-fail: next');
    const saved = api.schedules.get('demo-fail:default');
    assert.equal(saved?.cron, '*/15 * * * *');
    assert.deepEqual(saved?.args, { message: 'nightly' });
    await h.press('G');
    f = await h.waitFor(/› demo-fail\s+\*\/15 \* \* \* \*/);
    await h.press('p');
    await h.waitFor('✓ Paused schedule demo-fail');
    assert.equal(api.schedules.get('demo-fail:default')?.paused, true);
    await h.waitFor('‖ paused');
    await h.press('r');
    await h.waitFor('✓ Started demo-fail now as job');
    assert.ok([...api.jobs.values()].some((j) => j.task === 'demo-fail' && (j.args as { message: string }).message === 'nightly'));
    await h.press('d');
    await h.waitFor('Delete schedule demo-fail (default, */15 * * * *)?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Deleted schedule demo-fail');
    assert.equal(api.schedules.has('demo-fail:default'), false);
  });

  test('editing a schedule keeps its task and changes its cron', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('s', KEY.enter);
    const f = await h.waitFor('─ Edit schedule');
    assert.match(f, /task\s+import-games/);
    await h.press(KEY.ctrlU);
    await h.type('0 3 * * *');
    await h.waitFor(/✓ next .*03:00/);
    await h.press(KEY.enter);
    await h.waitFor('✓ Saved schedule import-games');
    assert.equal(api.schedules.get('import-games:default')?.cron, '0 3 * * *');
  });
});
