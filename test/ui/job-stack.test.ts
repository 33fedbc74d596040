// A failed job's stack is shown on demand (e), per attempt, and is not what the log or the info pane is made of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mount, assertFramesFit, KEY } from './harness.ts';
import { FakeRunner } from './fake-runner.ts';

test('e shows the shown attempt\'s error stack; [ and ] move between attempts; e again returns to the log', async () => {
  const api = new FakeRunner();
  const id = await api.enqueue('demo-fail', { message: 'x' }, { name: 'twice failed', retries: 1 });
  for (const attempt of [1, 2]) {
    api.start(id);
    api.log(id, `attempt ${attempt} about to fail`, 'warn');
    api.fail(id, `failure ${attempt}`, `Error: failure ${attempt}\n    at step${attempt} (src/tasks/demo/index.ts:${30 + attempt}:11)\n    at runJob (src/runner/job-run.ts:170:3)\n    at deep (/srv/ifqueue/${'a-rather-long-directory-name/'.repeat(4)}index.ts:1:1)`);
    if (attempt === 1) await api.retryJob(id);
  }
  const h = mount({ api });
  try {
    await h.waitFor('● live');
    const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === 'demo-fail');
    await h.press('g', ...Array(index).fill('j'), KEY.enter);
    await h.waitFor('twice failed');
    await h.press(KEY.enter);
    let f = await h.waitFor('attempt 2 about to fail');
    assert.match(f, /error failure 2\s+e: stack/);
    assert.doesNotMatch(f, /at step|job-run\.ts/, 'no stack frames in the log view');
    await h.press('e');
    f = await h.waitFor('─ Error stack · attempt 2');
    assert.match(f, /Error: failure 2\n\s+at step2 \(src\/tasks\/demo\/index\.ts:32:11\)\n\s+at runJob \(src\/runner\/job-run\.ts:170:3\)/);
    await h.press('[');
    f = await h.waitFor('─ Error stack · attempt 1');
    assert.match(f, /at step1 \(src\/tasks\/demo\/index\.ts:31:11\)/);
    assert.doesNotMatch(f, /step2/);
    // A frame longer than the terminal wraps under itself, indented.
    const long = f.split('\n').findIndex((l) => l.includes('at deep'));
    assert.ok(long > 0, f);
    assert.match(f.split('\n')[long + 1], /^ {4}\S/);
    await h.press('e');
    f = await h.waitFor('attempt 1 about to fail');
    assert.match(f, /─ Log · attempt 1/);
    assertFramesFit(h);
  } finally {
    await h.close();
  }
});
