// Counts the runner could only bound (the waiting/scheduled split past COUNT_CAP) read "≥10k" in the
// dashboard, never as the exact-looking number the cap is.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import { FakeRunner } from './fake-runner.ts';
import type { Snapshot } from '../../src/runner/types.ts';

class CappedRunner extends FakeRunner {
  override async snapshot(): Promise<Snapshot> {
    const s = await super.snapshot();
    const queues = s.queues.map((q) => (q.task === 'demo-sleep' ? { ...q, waiting: 10_000, scheduled: 10_000, capped: ['waiting', 'scheduled'] as const } : q));
    return { ...s, queues, totals: { ...s.totals, waiting: 10_000, scheduled: 10_000, capped: ['waiting', 'scheduled'] } };
  }
}

let h: Harness<CappedRunner> | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

test('capped counts show as ≥10k in the queue table, the header and the state tabs', async () => {
  const seeded = await seededRunner();
  const api = Object.setPrototypeOf(seeded, CappedRunner.prototype) as CappedRunner;
  h = mount({ api, columns: 120, rows: 40 });
  const f = await h.waitFor('● live');
  assert.match(f, /› demo-sleep\s+≥10k\s+≥10k\s+1\s/);
  assert.match(f, /waiting ≥10k {2}active/);
  assert.doesNotMatch(f, /10000|10 000/);
  await h.press(KEY.enter);
  const list = await h.waitFor('ifqueue › demo-sleep');
  assert.match(list, /1 waiting ≥10k  │  2 scheduled ≥10k/);
  assertFramesFit(h);
});
