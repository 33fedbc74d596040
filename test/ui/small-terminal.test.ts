// An 80×24 terminal (the smallest supported): the footer keeps the keys people need, the runner list keeps to
// live runners, and a smaller terminal gets the whole message.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, assertFramesFit, KEY, type Harness } from './harness.ts';
import { tooSmallLines } from '../../src/ui/app.tsx';
import { widthOf } from '../../src/ui/text.ts';
import type { LegacyStatus } from '../../src/legacy/types.ts';

const legacyStatus: LegacyStatus = { workerAlive: false, workerPid: null, unit: null, pending: 0, running: 0, orphaned: 0, bridge: false };

/** The keys shown in the footer (the last line), e.g. ["Enter", "n", "q", "?"]. */
function footerKeys(h: Harness): string[] {
  const footer = h.lines().at(-1)!;
  return [...footer.matchAll(/(?:^|\s)(\S+) [a-z]/g)].map((m) => m[1]);
}

describe('80×24', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('the overview footer keeps Enter, i, f, n, s, q and ? (the rarer keys are in help)', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    const footer = h.lines().at(-1)!;
    for (const hint of ['Enter jobs', 'i import', 'f feeds', 'n new', 's schedules', 'q quit', '? help']) assert.ok(footer.includes(hint), `${hint} in: ${footer}`);
    assert.ok(widthOf(footer) <= 80);
  });

  test('with the legacy screen the footer adds L and still keeps f, n, s, q', async () => {
    h = mount({ api: await seededRunner(), legacy: { status: async () => legacyStatus, stopWorker: async () => 'stopped' } });
    await h.waitFor('old worker: stopped');
    const footer = h.lines().at(-1)!;
    for (const hint of ['L legacy', 'f feeds', 'n new', 's schedules', 'q quit', '? help']) assert.ok(footer.includes(hint), `${hint} in: ${footer}`);
  });

  test('the job list and job detail footers keep their main keys and "Esc back"', async () => {
    h = mount({ api: await seededRunner() });
    await h.waitFor('● live');
    await h.press('j', KEY.enter);
    await h.waitFor('CloneUrl(10231)');
    let footer = h.lines().at(-1)!;
    for (const hint of ['Enter detail', '1–7 tab', '/ filter', 'r retry', 'Esc back', '? help']) assert.ok(footer.includes(hint), `${hint} in: ${footer}`);
    await h.press(KEY.enter);
    await h.waitFor('about to fail');
    footer = h.lines().at(-1)!;
    for (const hint of ['Tab log / info', 'F follow', 'r retry', 'Esc back', '? help']) assert.ok(footer.includes(hint), `${hint} in: ${footer}`);
    assert.ok(footerKeys(h).length >= 5);
  });

  test('the runner list shows live runners and only counts the gone ones', async () => {
    const api = await seededRunner();
    for (let i = 0; i < 10; i++) api.addRunner({ host: `old${i}`, pid: 100 + i, alive: false });
    h = mount({ api });
    const f = await h.waitFor('● live');
    assert.match(f, /─ Runners · 1 live · 10 gone ─/);
    assert.match(f, /web1\s+pid 4121/);
    assert.doesNotMatch(f, /old\d|more|✗ gone/);
    assert.match(f, /runners 1/);
    assertFramesFit(h);
  });

  test('no live runner: the list says so and still counts the gone ones', async () => {
    const api = await seededRunner();
    api.runners.splice(0, api.runners.length);
    api.addRunner({ host: 'old', pid: 7, alive: false });
    h = mount({ api });
    const f = await h.waitFor('● live');
    assert.match(f, /─ Runners · 0 live · 1 gone ─/);
    assert.match(f, /no runner is alive: jobs wait until one starts/);
  });

  test('a terminal too small gets the whole message, word-wrapped, at any size; q quits', async () => {
    for (const [columns, rows] of [[79, 24], [40, 10], [20, 8], [12, 12]] as const) {
      const lines = tooSmallLines(columns, rows);
      assert.ok(lines.length <= rows);
      for (const line of lines) assert.ok(widthOf(line) <= columns, `${JSON.stringify(line)} fits ${columns}`);
      assert.match(lines.join(' '), new RegExp(`at least 80×24; this one is ${columns}×${rows}\\. Enlarge it, or press q to quit\\.`));
    }
    h = mount({ api: await seededRunner(), columns: 40, rows: 10 });
    const f = await h.waitFor('press q to quit');
    assert.match(f.replace(/\n/g, ' '), /ifqueue needs a terminal of at least 80×24; this one is 40×10/);
    assertFramesFit(h);
    // Keys other than q do nothing while nothing can be seen.
    await h.press('s');
    assert.equal(h.store.getState().stack.length, 1);
    await h.press('q');
    assert.equal(await h.exited, 0);
    h = null;
  });
});

describe('start-up notes', () => {
  test('are shown on the overview (not on stderr behind it) until the first key, which still does its job', async () => {
    const h = mount({
      api: await seededRunner(),
      notes: ['no DATABASE_URL set: using the embedded PostgreSQL in /home/me/.local/share/ifqueue (created now)', 'seeded 17 demo jobs'],
    });
    try {
      let f = await h.waitFor('● live');
      assert.match(f, /─ Started · any key hides this/);
      assert.match(f.replace(/\n\s+/g, ' '), /using the embedded PostgreSQL in \/home\/me\/\.local\/share\/ifqueue \(created now\)/);
      assert.match(f, /seeded 17 demo jobs/);
      assert.match(f, /─ Queues/);
      assertFramesFit(h);
      await h.press('j');
      f = await h.waitFor((x) => !x.includes('─ Started'));
      assert.equal(h.store.getState().overviewIndex, 1, 'the key moved the selection too');
    } finally {
      await h.close();
    }
  });
});
