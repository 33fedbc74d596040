// The exit bounds of the daemon and the dashboard, on the sequence itself: a graceful stop that never
// ends still exits within SECOND_REQUEST_EXIT_MS of a second request, within DATABASE_DOWN_EXIT_MS when
// the database is unreachable, at once on a third request; a finished stop exits even when a timer
// lingers. (The end-to-end versions, with real processes, are in signals.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASE_DOWN_EXIT_MS, FORCED_EXIT_CODE, SECOND_REQUEST_EXIT_MS, Shutdown } from '../../src/cli/shutdown.ts';

function sequence(options: { databaseUp?: boolean; release?: () => Promise<unknown> } = {}) {
  let hurried = 0;
  let forced: string | null = null;
  let resolveExit: (v: { code: number; at: number }) => void;
  const exited = new Promise<{ code: number; at: number }>((r) => (resolveExit = r));
  let databaseUp = options.databaseUp ?? true;
  const shutdown = new Shutdown({
    hurry: () => hurried++,
    databaseUp: () => databaseUp,
    release: options.release,
    onForced: (why) => (forced = why),
    exit: (code) => resolveExit({ code, at: Date.now() }),
  });
  return {
    shutdown,
    exited,
    hurried: () => hurried,
    forced: () => forced,
    setDatabaseUp: (up: boolean) => (databaseUp = up),
  };
}

const noExitWithin = (exited: Promise<unknown>, ms: number) =>
  Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('still running'), ms))]);

describe('stop requests', () => {
  test('the first request alone never forces an exit (the graceful stop takes its time)', async () => {
    const s = sequence();
    assert.equal(s.shutdown.request(), 1);
    assert.equal(await noExitWithin(s.exited, SECOND_REQUEST_EXIT_MS + 500), 'still running');
    assert.equal(s.hurried(), 0);
    s.shutdown.finish(0);
  });

  test('the second request hurries the runner and exits within the bound even if the stop never ends', async () => {
    const s = sequence();
    s.shutdown.request();
    const secondAt = Date.now();
    assert.equal(s.shutdown.request(), 2);
    assert.equal(s.hurried(), 1);
    const { code, at } = await s.exited;
    assert.equal(code, FORCED_EXIT_CODE);
    assert.ok(at - secondAt >= SECOND_REQUEST_EXIT_MS - 50, 'not before the bound');
    assert.ok(at - secondAt < SECOND_REQUEST_EXIT_MS + 1500, `exited ${at - secondAt} ms after the second request`);
    assert.match(s.forced()!, /second request/);
  });

  test('a third request exits at once, after a bounded attempt to leave the database', async () => {
    let released = false;
    const s = sequence({ release: () => new Promise((r) => setTimeout(() => ((released = true), r(undefined)), 10_000)) });
    s.shutdown.request();
    s.shutdown.request();
    const thirdAt = Date.now();
    s.shutdown.request();
    const { at } = await s.exited;
    assert.ok(at - thirdAt < 1500, `exited ${at - thirdAt} ms after the third request`);
    assert.equal(released, false, 'a release that hangs does not hold the exit');
  });

  test('quitting with the database down exits within the bound; so does a stop the database leaves mid-way', async () => {
    const down = sequence({ databaseUp: false });
    const at0 = Date.now();
    down.shutdown.request();
    const a = await down.exited;
    assert.ok(a.at - at0 >= DATABASE_DOWN_EXIT_MS - 50 && a.at - at0 < DATABASE_DOWN_EXIT_MS + 1500, `${a.at - at0} ms`);
    assert.match(down.forced()!, /database is unreachable/);

    const later = sequence();
    later.shutdown.request();
    later.setDatabaseUp(false);
    const at1 = Date.now();
    later.shutdown.databaseDown();
    const b = await later.exited;
    assert.ok(b.at - at1 < DATABASE_DOWN_EXIT_MS + 1500, `${b.at - at1} ms`);
  });

  test('a finished stop exits with its code even when a timer is left behind', async () => {
    const s = sequence();
    s.shutdown.request();
    const lingering = setInterval(() => {}, 1000);
    try {
      const at0 = Date.now();
      s.shutdown.finish(0);
      const { code, at } = await s.exited;
      assert.equal(code, 0);
      assert.ok(at - at0 < 3000, `${at - at0} ms`);
    } finally {
      clearInterval(lingering);
    }
  });

  test('requests after a finished stop change nothing', async () => {
    const s = sequence();
    s.shutdown.request();
    s.shutdown.finish(0);
    s.shutdown.request();
    assert.equal((await s.exited).code, 0, 'the exit is the finished one, not a forced one');
    assert.equal(s.forced(), null);
  });
});
