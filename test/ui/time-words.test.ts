// Words about time and outcome on the job screens: past events never read as future, a finished log is not
// "followed", F keeps the lines where they are, a refusal gets no tick, one attempt's log at a time.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import { FakeRunner } from './fake-runner.ts';
import { ago, until } from '../../src/ui/format.ts';

async function openQueue(h: Harness, task: string, tab?: string): Promise<void> {
  await h.waitFor('● live');
  const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === task);
  await h.press('g', ...Array(index).fill('j'), KEY.enter);
  await h.waitFor(`ifqueue › ${task}`);
  if (tab) await h.press(tab);
}

describe('time words and outcomes', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('past and coming moments: a past one never reads "in …", a coming one never "… ago"', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(ago('2026-01-01T12:00:03Z', now), 'just now', 'a finish stamped by a clock 3 s ahead');
    assert.equal(ago('2026-01-01T12:00:00Z', now), 'just now');
    assert.equal(ago('2026-01-01T11:58:00Z', now), '2m ago');
    assert.equal(until('2026-01-01T11:59:57Z', now), 'due now');
    assert.equal(until('2026-01-01T12:10:00Z', now), 'in 10m');
  });

  test('a job finished a moment "in the future" (database clock ahead) shows "just now" in the finished column', async () => {
    const api = await seededRunner();
    const id = await api.enqueue('demo-log-burst', { lines: 1 }, { name: 'clock-ahead' });
    api.start(id);
    api.setState(id, 'completed', { finishedAt: new Date(Date.now() + 3000).toISOString() });
    h = mount({ api });
    await openQueue(h, 'demo-log-burst', '6');
    const f = await h.waitFor('clock-ahead');
    const row = f.split('\n').find((l) => l.includes('clock-ahead'))!;
    assert.match(row, /just now/);
    assert.doesNotMatch(f, /\bin \d+s\b/);
    assertFramesFit(h);
  });

  test('a schedule whose last run is stamped a moment ahead says "just now", not "(in 3s)"; its duration reads "took"', async () => {
    const api = await seededRunner();
    const s = [...api.schedules.values()].find((x) => x.task === 'import-games')!;
    api.schedules.set(s.id, { ...s, lastRunAt: new Date(Date.now() + 3000).toISOString(), lastOutcome: 'completed', lastDurationMs: 2100 });
    h = mount({ api });
    await h.waitFor('● live');
    await h.press('s');
    const f = await h.waitFor('last run');
    assert.match(f, /last run \d\d:\d\d \(just now\): ✓ done, took 2\.1s/);
    assert.doesNotMatch(f, /last run.*\(in /);
  });

  test('a finished job\'s log is not "following"; a running one is', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await openQueue(h, 'demo-fail');
    await h.waitFor('CloneUrl(10231)');
    await h.press(KEY.enter);
    let f = await h.waitFor('about to fail');
    assert.match(f, /─ Log · attempt 1 · lines 1–1 of 1 ─/);
    assert.doesNotMatch(f, /following|F or G to follow/);
    await h.press(KEY.escape, KEY.escape);
    await openQueue(h, 'demo-sleep', '3');
    await h.waitFor('sleep-running');
    await h.press(KEY.enter);
    f = await h.waitFor('slept 2s of 60s');
    assert.match(f, /· following/);
  });

  test('F turns following off and keeps the lines on screen where they were', async () => {
    const api = new FakeRunner();
    const id = await api.enqueue('demo-sleep', { seconds: 60 }, { name: 'chatty' });
    api.start(id);
    for (let i = 1; i <= 40; i++) api.log(id, `line number ${i}`);
    h = mount({ api });
    await openQueue(h, 'demo-sleep', '3');
    await h.waitFor('chatty');
    await h.press(KEY.enter);
    const before = await h.waitFor((f) => f.includes('line number 40') && f.includes('following'));
    const shown = (f: string) => f.split('\n').filter((l) => /line number \d+/.test(l)).map((l) => /line number (\d+)/.exec(l)![1]);
    await h.press('F');
    const after = await h.waitFor('F or G to follow');
    assert.deepEqual(shown(after), shown(before), 'the same lines stay on screen');
    assert.equal(shown(after).at(-1), '40');
    // New lines no longer move the view; G follows again.
    api.log(id, 'line number 41');
    await h.press('k');
    const up = await h.waitFor((f) => shown(f)[0] === String(Number(shown(before)[0]) - 1));
    assert.doesNotMatch(up, /line number 41/);
    await h.press('G');
    await h.waitFor((f) => f.includes('line number 41') && f.includes('· following'));
  });

  test('a refusal shows a warning, never a success tick', async () => {
    const api = await seededRunner();
    h = mount({ api });
    await openQueue(h, 'demo-log-burst', '6');
    await h.waitFor('burst-done');
    await h.press('x');
    const f = await h.waitFor('was not cancelled');
    const flash = f.split('\n').find((l) => l.includes('was not cancelled'))!;
    assert.match(flash, /^ ! Job \S+ was not cancelled: it has already finished/);
    assert.doesNotMatch(flash, /✓/);
    // It stays until the next key, like an error.
    await h.press('j');
    await h.waitFor((x) => !x.includes('was not cancelled'));
  });

  test('the truncation marker says it once', async () => {
    const api = new FakeRunner();
    const id = await api.enqueue('demo-log-burst', { lines: 1 }, { name: 'long log' });
    api.start(id);
    api.log(id, 'head line');
    api.log(id, '… 5000 lines truncated …', 'warn', 5000);
    api.log(id, 'tail line');
    h = mount({ api });
    await openQueue(h, 'demo-log-burst', '3');
    await h.waitFor('long log');
    await h.press(KEY.enter);
    const f = await h.waitFor('tail line');
    const marker = f.split('\n').filter((l) => /5000/.test(l));
    assert.equal(marker.length, 1);
    assert.match(marker[0], /⋯ 5000 lines dropped here \(log limit per attempt\) ⋯\s*$/);
    assert.doesNotMatch(marker[0], /truncated/);
  });

  test('the latest attempt\'s log shows only that attempt\'s lines; [ shows the earlier one', async () => {
    const api = new FakeRunner();
    const id = await api.enqueue('demo-fail', { message: 'x' }, { name: 'flaky', retries: 4 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      api.start(id);
      api.log(id, `line of attempt ${attempt}`);
      if (attempt < 3) {
        api.fail(id, `failure ${attempt}`);
        await api.retryJob(id);
      }
    }
    h = mount({ api });
    await openQueue(h, 'demo-fail', '3');
    await h.waitFor('flaky');
    await h.press(KEY.enter);
    let f = await h.waitFor('line of attempt 3');
    assert.match(f, /─ Log · attempt 3 \(\[ \] other attempts\) · lines 1–1 of 1/);
    assert.doesNotMatch(f, /line of attempt [12]/);
    await h.press('[');
    f = await h.waitFor('line of attempt 2');
    assert.doesNotMatch(f, /line of attempt [13]/);
    await h.press(']');
    f = await h.waitFor('line of attempt 3');
    assert.doesNotMatch(f, /line of attempt [12]/);
    // A line of the running attempt arriving later still shows, alone.
    api.log(id, 'late line of attempt 3');
    f = await h.waitFor('late line of attempt 3');
    assert.doesNotMatch(f, /line of attempt [12]/);
  });
});
