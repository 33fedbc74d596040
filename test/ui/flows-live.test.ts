// Live behaviour: following a running job's log, flash timing, and quitting (graceful, forced, q, Esc).
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, plain, seededRunner, KEY, type Harness } from './harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { FLASH_INFO_MS } from '../../src/ui/hooks/use-flash-timer.ts';

async function openRunningJob(h: Harness): Promise<string> {
  await h.waitFor('● live');
  await h.press(KEY.enter);
  await h.waitFor('sleep-running');
  await h.press(KEY.enter);
  await h.waitFor('▶ active');
  return h.store.getState().detail.jobId!;
}

describe('following a running job', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('new log lines appear as they are written, like tail -f', async () => {
    const api = await seededRunner();
    h = mount({ api });
    const id = await openRunningJob(h);
    let f = await h.waitFor('slept 2s of 60s');
    assert.match(f, /following/);
    for (let i = 3; i <= 40; i++) api.log(id, `slept ${i}s of 60s`);
    f = await h.waitFor('slept 40s of 60s');
    assert.doesNotMatch(f, /slept 1s of 60s/, 'the oldest lines scrolled away');
    assert.match(f, /lines 2\d–40 of 40/);
  });

  test('scrolling back pauses following; new lines do not move the view; G follows again', async () => {
    const api = await seededRunner();
    h = mount({ api });
    const id = await openRunningJob(h);
    for (let i = 3; i <= 40; i++) api.log(id, `slept ${i}s of 60s`);
    await h.waitFor('slept 40s of 60s');
    await h.press('g');
    let f = await h.waitFor('paused: F or G to follow');
    assert.match(f, /slept 1s of 60s/);
    api.log(id, 'slept 41s of 60s');
    await h.waitFor('of 41');
    f = h.frame();
    assert.match(f, /slept 1s of 60s/);
    assert.doesNotMatch(f, /slept 41s/);
    await h.press('G');
    f = await h.waitFor('slept 41s of 60s');
    assert.match(f, /following/);
    await h.press('F');
    await h.waitFor('paused: F or G to follow');
    await h.press('F');
    await h.waitFor('· following');
  });

  test('a truncation marker stands out in the log', async () => {
    const api = await seededRunner();
    h = mount({ api });
    const id = await openRunningJob(h);
    api.log(id, '', 'warn', 1234);
    api.log(id, 'after the gap');
    const f = await h.waitFor('after the gap');
    assert.match(f, /⋯ 1234 lines dropped here/);
  });

  test('progress reported by the task is shown with the job', async () => {
    const api = await seededRunner();
    h = mount({ api });
    const id = await openRunningJob(h);
    api.emit('job:progress', { id, task: 'demo-sleep', progress: { label: 'ifwiki', current: 312, total: 540, detail: 'apero ✓' } });
    const f = await h.waitFor('ifwiki 312/540');
    assert.match(f, /█+░+ apero ✓/);
  });

  test('[ and ] switch to the log of another attempt', async () => {
    const api = await seededRunner();
    h = mount({ api });
    const id = await openRunningJob(h);
    api.fail(id, 'first attempt broke');
    await api.retryJob(id);
    api.start(id);
    api.log(id, 'second attempt line');
    await h.waitFor('second attempt line');
    await h.press('[');
    let f = await h.waitFor((x) => x.includes('─ Log · attempt 1') && x.includes('slept 2s of 60s'));
    assert.doesNotMatch(f, /second attempt line/);
    await h.press(']');
    f = await h.waitFor('second attempt line');
    assert.match(f, /attempt 2/);
  });
});

describe('flash line', () => {
  test('info clears by itself; an error stays until the next key', async () => {
    const h = mount({ api: await seededRunner() });
    try {
      await h.waitFor('● live');
      await h.press('f');
      await h.waitFor('✓ Enqueued fetch-feeds');
      await h.waitFor((f) => !f.includes('Enqueued fetch-feeds'), FLASH_INFO_MS + 3000);
      await h.press(KEY.enter, 'R');
      await h.waitFor('✗ R retries failed jobs');
      const shownAt = Date.now();
      const firstFrame = h.stdout.frames.length - 1;
      // Long past the time an info flash would have cleared, while the screen keeps redrawing...
      await waitFor('an info flash to have had time to clear', () => Date.now() - shownAt > FLASH_INFO_MS + 1000, { timeoutMs: FLASH_INFO_MS + 5000 });
      await h.waitFor('wait 1 │');
      await h.api.enqueue('demo-sleep', { seconds: 1 }, { name: 'an unrelated update' });
      // ...a frame drawn after that time (the waiting count went up) still carries the error.
      const redrawn = await h.waitFor('wait 2 │');
      assert.match(redrawn, /✗ R retries failed jobs/, 'the error is still shown after the info timeout');
      const cleared = h.stdout.frames.slice(firstFrame).map(plain).filter((f) => !f.includes('R retries failed jobs'));
      assert.deepEqual(cleared, [], 'no frame since the error appeared went without it');
      await h.press('j');
      await h.waitFor((f) => !f.includes('R retries failed jobs'));
    } finally {
      await h.close();
    }
  });
});

describe('quitting', () => {
  test('Ctrl+C shows a countdown while the runner stops, then exits 0', async () => {
    let finish!: () => void;
    let report!: (p: { remainingSeconds: number; running: number }) => void;
    const stopped = new Promise<void>((r) => (finish = r));
    const h = mount({
      api: await seededRunner(),
      stopRunner: async (onProgress) => {
        report = onProgress;
        onProgress({ remainingSeconds: 60, running: 2 });
        await stopped;
      },
    });
    await h.waitFor('● live');
    await h.press(KEY.ctrlC);
    let f = await h.waitFor('Stopping the embedded runner');
    assert.match(f, /2 jobs still running; 60 s left/);
    report({ remainingSeconds: 59, running: 1 });
    f = await h.waitFor('1 job still running; 59 s left');
    let exited = false;
    void h.exited.then(() => (exited = true));
    const overviewIndex = h.store.getState().overviewIndex;
    const framesBefore = h.stdout.frames.length;
    await h.press('q', 'j');
    // Keys are dispatched as they are written; a frame drawn after the next report shows what they did.
    report({ remainingSeconds: 58, running: 1 });
    f = await h.waitFor('1 job still running; 58 s left');
    assert.equal(exited, false, 'q did not quit while stopping');
    assert.equal(h.store.getState().overviewIndex, overviewIndex, 'j did not move the selection');
    assert.deepEqual(h.stdout.frames.slice(framesBefore).map(plain).filter((x) => !x.includes('Stopping the embedded runner')), [], 'every frame since still shows the countdown');
    finish();
    assert.equal(await h.exited, 0);
  });

  test('a second Ctrl+C quits at once with 130', async () => {
    const h = mount({ api: await seededRunner(), stopRunner: () => new Promise(() => {}) });
    await h.waitFor('● live');
    await h.press(KEY.ctrlC);
    await h.waitFor('Stopping the embedded runner');
    await h.press(KEY.ctrlC);
    assert.equal(await h.exited, 130, 'the exit code of a process ended by SIGINT');
  });

  test('a runner that fails to stop gives exit code 1', async () => {
    const h = mount({ api: await seededRunner(), stopRunner: async () => Promise.reject(new Error('pool ended')) });
    await h.waitFor('● live');
    await h.press(KEY.ctrlC);
    assert.equal(await h.exited, 1);
  });

  test('Esc never quits; q goes back, and quits at the top', async () => {
    const h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press(KEY.enter);
    await h.waitFor('ifqueue › demo-sleep');
    await h.press(KEY.escape, KEY.escape, KEY.escape);
    await h.waitFor('─ Queues');
    let exited = false;
    void h.exited.then(() => (exited = true));
    await h.press('s');
    await h.waitFor('ifqueue › schedules');
    await h.press('q');
    await h.waitFor('─ Queues');
    assert.equal(exited, false);
    await h.press('q');
    assert.equal(await h.exited, 0);
  });
});
