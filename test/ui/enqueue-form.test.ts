// The new-job form: argument types and examples from the task's schema, delay, retries and depends-on; and
// IFDB tasks on a database without IFDB's tables (i, f, n, resuming a schedule) say so before anything fails.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import type { FakeRunner } from './fake-runner.ts';

/** What src/tasks/ifdb-tables.ts reports on a database without IFDB's tables (the embedded demo one). */
const NO_IFDB = async () => ({
  'clone-file': ['games_url'],
  'fetch-feeds': ['core_feedcache'],
  'import-games': ['core_user', 'games_game'],
  'import-force-update-urls': ['core_user', 'games_game'],
  'force-reimport': ['core_user', 'games_game'],
});

async function chooseTask(h: Harness, name: string): Promise<void> {
  for (let i = 0; i < 8 && h.store.getState().dialog?.kind === 'enqueue' && (h.store.getState().dialog as { focus: string }).focus !== 'task'; i++) await h.press(KEY.up);
  await h.waitFor('(←/→ to change)');
  for (let i = 0; i < 12 && !h.frame().includes(`‹ ${name} ›`); i++) await h.press(KEY.right);
  await h.waitFor(`‹ ${name} ›`);
}

const jobsOf = (api: FakeRunner, task: string) => [...api.jobs.values()].filter((j) => j.task === task);

describe('the new-job form', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('shows each argument\'s real type and an example from the schema (no "appendUrls: any")', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('n');
    await chooseTask(h, 'import-games');
    let f = h.frame();
    assert.match(f, /appendUrls\?\s+true\/false, or list of http\(s\) URLs \(≤ 1000\)/);
    assert.match(f, /dryRun\?\s+true\/false/);
    assert.match(f, /e\.g\. \{"appendUrls":\["https:\/\/example\.org\/game"\],"dryRun":true\}/);
    assert.doesNotMatch(f, /\bany\b/);
    await chooseTask(h, 'clone-file');
    f = h.frame();
    assert.match(f, /urlId\s+whole number > 0/);
    assert.match(f, /e\.g\. \{"urlId":1\}/);
    assertFramesFit(h);
  });

  test('delay, retries and depends-on are checked as you type and passed to the enqueue', async () => {
    const api = await seededRunner();
    const parent = [...api.jobs.values()].find((j) => j.name === 'sleep-running')!;
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('n');
    let f = await h.waitFor('─ New job');
    assert.match(f, /delay\s+now; or e\.g\. 10m, 2h, 1d/);
    assert.match(f, /retries\s+task default: 1/);
    assert.match(f, /depends on\s+nothing; or a job id or name/);
    await h.press(KEY.tab);
    await h.type('delayed child');
    await h.press(KEY.tab, KEY.tab);
    await h.type('soon');
    await h.waitFor('✗ delay: invalid duration "soon"');
    await h.press(KEY.ctrlU);
    await h.type('10m');
    await h.press(KEY.tab);
    await h.type('x');
    await h.waitFor('✗ retries must be a whole number');
    await h.press(KEY.backspace);
    await h.type('4');
    await h.press(KEY.tab);
    await h.type('sleep-running');
    await h.waitFor('✓ looks valid');
    await h.press(KEY.enter);
    f = await h.waitFor('✓ Enqueued demo-sleep job');
    assert.match(f, /starts in 10 minutes, after sleep-running/);
    const job = [...api.jobs.values()].find((j) => j.name === 'delayed child')!;
    assert.equal(job.maxAttempts, 5, 'retries 4 after the first attempt');
    assert.equal(job.dependsOn, 'sleep-running');
    const delay = Date.parse(job.startAfter) - Date.parse(job.createdAt);
    assert.ok(delay >= 599_000 && delay <= 601_000, `starts 10 minutes after it was created (${delay} ms)`);
    void parent;
  });

  test('an IFDB task on a database without IFDB\'s tables: the form says so up front', async () => {
    h = mount({ api: await seededRunner(), ifdbTables: NO_IFDB });
    await h.waitFor('● live');
    await h.press('n');
    await chooseTask(h, 'clone-file');
    await h.press(KEY.down);
    await h.press(KEY.ctrlU);
    await h.type('{"urlId":7}');
    const f = await h.waitFor('! This database has no IFDB tables (games_url missing):');
    assert.match(f, /clone-file would fail at once here\. Enter enqueues anyway\./);
    assert.doesNotMatch(f, /✓ looks valid/);
    await chooseTask(h, 'demo-sleep');
    await h.waitFor('✓ looks valid');
  });
});

describe('i, f and schedules on a database without IFDB\'s tables', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('f asks first instead of flashing "✓ Enqueued"; Esc enqueues nothing, Enter enqueues anyway', async () => {
    const api = await seededRunner();
    h = mount({ api, ifdbTables: NO_IFDB });
    await h.waitFor('● live');
    await h.press('f');
    let f = await h.waitFor('No IFDB tables here');
    assert.match(f, /Enqueue fetch-feeds anyway\? This database has no IFDB tables\./);
    assert.match(f, /core_feedcache missing: fetch-feeds would fail at once/);
    assert.match(f.replace(/\s*│\n\s*│\s*/g, ' '), /To run it for real, point DATABASE_URL at IFDB's database\./, 'the whole detail, wrapped in the box');
    assert.doesNotMatch(f, /✓ Enqueued/);
    assertFramesFit(h);
    await h.press(KEY.escape);
    await h.waitFor('Nothing done');
    assert.equal(jobsOf(api, 'fetch-feeds').length, 0);
    await h.press('f');
    await h.waitFor('No IFDB tables here');
    await h.press(KEY.enter);
    f = await h.waitFor('✓ Enqueued fetch-feeds as job');
    assert.equal(jobsOf(api, 'fetch-feeds').length, 1);
  });

  test('the import picker warns up front, and Enter asks before enqueueing', async () => {
    const api = await seededRunner();
    h = mount({ api, ifdbTables: NO_IFDB });
    await h.waitFor('● live');
    await h.press('i');
    let f = await h.waitFor('! This database has no IFDB tables');
    assert.match(f, /\(core_user and 1 more missing\):\n\s+import-games would fail at once here\./);
    await h.press(KEY.enter);
    f = await h.waitFor('Enqueue import-games anyway?');
    await h.press(KEY.escape);
    await h.waitFor('Nothing done');
    assert.equal(jobsOf(api, 'import-games').length, 0);
  });

  test('with IFDB\'s tables present, f enqueues at once', async () => {
    const api = await seededRunner();
    h = mount({ api, ifdbTables: async () => ({}) });
    await h.waitFor('● live');
    await h.press('f');
    await h.waitFor('✓ Enqueued fetch-feeds as job');
    assert.equal(jobsOf(api, 'fetch-feeds').length, 1);
  });

  test('resuming a default schedule there warns first; pausing does not ask', async () => {
    const api = await seededRunner();
    const s = [...api.schedules.values()].find((x) => x.task === 'import-games')!;
    await api.pauseSchedule(s.id);
    h = mount({ api, ifdbTables: NO_IFDB });
    await h.waitFor('● live');
    await h.press('s');
    let f = await h.waitFor('! This database has no IFDB tables');
    assert.match(f, /its import-games jobs would fail at once here\. Keep it paused\./);
    await h.press('p');
    f = await h.waitFor('Resume schedule import-games anyway?');
    await h.press(KEY.escape);
    await h.waitFor('Nothing done');
    assert.equal(api.schedules.get(s.id)!.paused, true);
    await h.press('p');
    await h.waitFor('Resume schedule import-games anyway?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Resumed schedule import-games');
    assert.equal(api.schedules.get(s.id)!.paused, false);
    await h.press('p');
    await h.waitFor('✓ Paused schedule import-games');
  });
});
