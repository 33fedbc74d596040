import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, plain, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import type { LegacyStatus } from '../../src/legacy/types.ts';

const legacyStatus: LegacyStatus = { workerAlive: true, workerPid: 2210, unit: 'ifdb-worker.service', pending: 2, running: 0, orphaned: 1, bridge: false };

describe('screens at 80×24', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('overview shows queues with counts, runners, schedules, the masked database and the live indicator', async () => {
    h = mount({ api: await seededRunner() });
    const f = await h.waitFor('● live');
    assert.match(f, /ifdb@db\.example:5432/);
    assert.doesNotMatch(f, /\*\*\*\*\*|password/);
    assert.match(f, /─ Queues/);
    assert.match(f, /› demo-sleep\s+1\s+1\s+1\s+0\s+0/);
    assert.match(f, /demo-fail\s+0\s+0\s+0\s+0\s+1/);
    assert.match(f, /web1\s+pid 4121\s+daemon/);
    assert.match(f, /import-games\s+0 \*\/6 \* \* \*\s+UTC\s+next /);
    assert.match(f, /\? help/);
    assert.equal(h.lines().length, 24);
    assertFramesFit(h);
  });

  test('the job list shows state tabs with counts and one row per job', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('j', KEY.enter);
    const f = await h.waitFor('CloneUrl(10231)');
    assert.match(f, /ifqueue › demo-fail/);
    assert.match(f, /\[failed 1\]/);
    assert.match(f, /HTTP 404 Not Found/);
    assert.match(f, /showing 1–1 of 1/);
    assertFramesFit(h);
  });

  test('job detail shows state, args, the log; Tab the info with each attempt\'s error line; e the error stack', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('j', KEY.enter);
    await h.waitFor('CloneUrl(10231)');
    await h.press(KEY.enter);
    let f = await h.waitFor('about to fail');
    assert.match(f, /✗ failed/);
    assert.match(f, /attempt 1\/3/);
    assert.match(f, /─ Log · attempt 1/);
    assert.match(f, /error HTTP 404 Not Found\s+e: stack/);
    assert.doesNotMatch(f, /at fetchUrl/, 'the stack is not in the log view');
    await h.press(KEY.tab);
    f = await h.waitFor('─ Info');
    assert.match(f, /Task\s+demo-fail/);
    await h.press('G');
    f = await h.waitFor('(e: stack)');
    assert.match(f, /Attempts \(1\)\n\s+#1 [^]*failed[^]*\n\s+HTTP 404 Not Found   \(e: stack\)/);
    assert.doesNotMatch(f, /at fetchUrl/, 'the info pane shows the message, not the stack');
    await h.press('e');
    f = await h.waitFor('─ Error stack · attempt 1');
    assert.match(f, /Error: HTTP 404 Not Found\n\s+at fetchUrl \(http\.ts:10:5\)\n\s+at cloneFile \(clone\.ts:20:3\)/);
    await h.press('e');
    await h.waitFor('─ Log · attempt 1');
    assertFramesFit(h);
  });

  test('schedules show cron, time zone, next five runs and the last run', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('s');
    const f = await h.waitFor('next five:');
    assert.match(f, /ifqueue › schedules/);
    assert.match(f, /› import-games\s+0 \*\/6 \* \* \*\s+UTC/);
    assert.match(f, /never run yet/);
    const five = /next five: (.*)/.exec(f)![1];
    assert.ok(five.split(',').length >= 3, five);
  });

  test('help is generated from the keymap and closes with Esc', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('?');
    let f = await h.waitFor('─ Keys');
    assert.match(f, /Ctrl\+C\s+quit \(graceful\)/);
    assert.match(f, /R\s+retry failed \(bulk, asks first\)/);
    await h.press(KEY.pageDown, KEY.pageDown);
    f = await h.waitFor('follow on/off');
    await h.press(KEY.escape);
    f = await h.waitFor((x) => !x.includes('─ Keys'));
    assert.match(f, /─ Queues/);
  });

  test('the legacy screen appears only with a legacy adapter, and shows the old worker', async () => {
    h = mount({ api: await seededRunner() });
    let f = await h.waitFor('● live');
    assert.doesNotMatch(f, /Legacy|legacy/);
    const framesBefore = h.stdout.frames.length;
    await h.press('L', '?');
    // ? is handled after L: once help shows, L has had its chance to open the legacy screen.
    await h.waitFor('─ Keys');
    assert.deepEqual(h.store.getState().stack, [{ kind: 'overview' }], 'L opened no screen');
    assert.deepEqual(h.stdout.frames.slice(framesBefore).map(plain).filter((x) => /Legacy queue/.test(x)), [], 'no frame showed the legacy screen');
    await h.close();
    h = mount({ api: await seededRunner(), legacy: { status: async () => legacyStatus, stopWorker: async () => 'stopped' } });
    f = await h.waitFor('old worker: running');
    assert.match(f, /─ Legacy/);
    assert.match(f, /L legacy|legacy rows: 2 pending/);
    await h.press('L');
    f = await h.waitFor('─ Legacy queue');
    assert.match(f, /pid 2210, ifdb-worker\.service/);
    assert.match(f, /2 pending, 0 running, 1 orphaned/);
  });

  test('S on the legacy screen asks, then stops the old worker and reports its answer', async () => {
    let stopped = false;
    const legacy = {
      status: async (): Promise<LegacyStatus> => ({ ...legacyStatus, workerAlive: !stopped }),
      stopWorker: async (progress: (m: string) => void) => {
        progress('sent SIGTERM to 2210');
        stopped = true;
        return 'Old worker stopped after finishing its task';
      },
    };
    h = mount({ api: await seededRunner(), legacy });
    await h.waitFor('old worker: running');
    await h.press('L', 'S');
    await h.waitFor('Stop the legacy queue worker (pid 2210, ifdb-worker.service)?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Old worker stopped after finishing its task');
    await h.waitFor('old worker: stopped');
    assert.equal(stopped, true);
  });

  test('readonly shows no action keys in the footer and ignores them', async () => {
    const api = await seededRunner();
    h = mount({ api, readonly: true });
    const f = await h.waitFor('● live');
    assert.match(f, /readonly/);
    const footer = h.lines().at(-1)!;
    assert.match(footer, /Enter jobs/);
    assert.doesNotMatch(footer, /retry|cleanup|pause|import|feeds|new job/);
    const jobsBefore = api.jobs.size;
    for (const k of Object.keys(api.calls)) delete api.calls[k];
    await h.press('j', 'R', 'c', 'p', 'f', 'i', 'n');
    await h.press(KEY.enter);
    await h.waitFor('[failed 1]');
    await h.press('r', 'x', 'd', 'R');
    await h.waitFor('CloneUrl(10231)');
    assert.equal(h.store.getState().dialog, null);
    assert.equal(api.calls.pauseQueue, undefined);
    assert.equal(api.calls.cleanup, undefined);
    assert.equal(api.calls.retryJob, undefined);
    assert.equal(api.calls.cancelJob, undefined);
    assert.equal(api.calls.deleteJob, undefined);
    assert.equal(api.jobs.size, jobsBefore);
    assert.doesNotMatch(h.lines().at(-1)!, /retry|cancel|delete/);
  });

  test('watching mode says in the header that this process runs no jobs', async () => {
    h = mount({ api: await seededRunner(), watching: true });
    const f = await h.waitFor('● live');
    assert.match(f, /watching \(no runner here\)/);
  });
});

describe('terminal size', () => {
  test('below 80×24 a message says the size needed; growing brings the dashboard back', async () => {
    const h = mount({ api: await seededRunner(), columns: 70, rows: 20 });
    try {
      let f = await h.waitFor('needs a terminal');
      assert.match(f.replace(/\n/g, ' '), /at least 80×24; this one is 70×20\. Enlarge it, or press q to quit\./);
      assertFramesFit(h);
      h.stdout.resize(120, 40);
      f = await h.waitFor('─ Queues');
      assert.ok(h.lines().length <= 40);
      assert.match(f, /waiting\s+sched\s+active\s+retry\s+failed\s+done 1h\s+done 24h/);
      h.stdout.resize(80, 24);
      await h.waitFor((x) => x.split('\n').length === 24 && x.includes('wait sched'));
    } finally {
      await h.close();
    }
  });

  test('a long list is windowed around the selection and never taller than the terminal', async () => {
    const api = await seededRunner();
    for (let i = 0; i < 150; i++) await api.enqueue('clone-file', { urlId: 1000 + i }, { name: `CloneUrl(${1000 + i})` });
    const h = mount({ api });
    try {
      await h.waitFor('● live');
      for (let i = 0; i < 4; i++) await h.press('j');
      await h.press(KEY.enter);
      await h.waitFor('CloneUrl(1149)');
      await h.press('G');
      await h.waitFor('CloneUrl(1050)');
      await h.press('G');
      let f = await h.waitFor('› ');
      f = await h.waitFor(/› \S+\s+CloneUrl\(1000\)/);
      assert.match(f, /of 150/);
      assert.ok(api.listCalls.some((c) => c.after), 'the second page was fetched with the keyset cursor');
      assertFramesFit(h, 80, 24);
    } finally {
      await h.close();
    }
  });
});
