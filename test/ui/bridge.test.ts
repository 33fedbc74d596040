import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBridge, type Bridge } from '../../src/ui/bridge.ts';
import { createDashboardStore, type DashboardStore } from '../../src/ui/store/index.ts';
import { FakeRunner } from './fake-runner.ts';

const TIMING = { flushMs: 100, countsMinMs: 300, safetyMs: 60_000, retryMs: 50, maxRetryMs: 100 };

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('event bridge', () => {
  let bridge: Bridge | null = null;
  afterEach(() => bridge?.stop());

  function setup(api = new FakeRunner()): { api: FakeRunner; store: DashboardStore; writes: () => number } {
    const store = createDashboardStore();
    let writes = 0;
    store.subscribe(() => writes++);
    bridge = createBridge(api, store, TIMING);
    bridge.start();
    return { api, store, writes: () => writes };
  }

  test('the first snapshot arrives and the connection is marked live', async () => {
    const { api, store } = setup();
    await until(() => store.getState().snapshot !== null, 'a snapshot');
    assert.equal(store.getState().connected, true);
    assert.equal(store.getState().snapshot!.queues.length, api.tasks().length);
  });

  /** Waits until nothing has read or written for `quietMs` (the bridge's timers have all run out). */
  async function quiescent(api: FakeRunner, writes: () => number, quietMs: number): Promise<void> {
    let last = JSON.stringify([api.calls, writes()]);
    let since = Date.now();
    await until(() => {
      const now = JSON.stringify([api.calls, writes()]);
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= quietMs;
    }, 'the bridge to go quiet', 30_000);
  }

  // every timer the bridge may still have pending, with room to spare
  const QUIET_MS = 2 * (TIMING.flushMs + TIMING.countsMinMs + TIMING.maxRetryMs);

  test('a burst of 1000 events becomes a handful of store writes and snapshot reads', async () => {
    const { api, store, writes } = setup();
    await until(() => store.getState().snapshot !== null, 'a snapshot');
    const id = await api.enqueue('demo-sleep', { seconds: 1 });
    store.getState().openDetail(id);
    store.getState().setDetailJob(id, await api.getJob(id));
    await quiescent(api, writes, QUIET_MS);
    const writesBefore = writes();
    const snapshotsBefore = api.calls.snapshot;
    for (let i = 0; i < 1000; i++) api.emit('job:progress', { id, task: 'demo-sleep', progress: { current: i, total: 1000 } });
    for (let i = 0; i < 200; i++) api.emit('job:created', { id: `x${i}`, task: 'demo-sleep', name: null });
    // the burst has landed (last progress applied, counts read again), and nothing is left to come
    await until(() => store.getState().detail.job?.progress?.current === 999, 'the last progress');
    await until(() => api.calls.snapshot > snapshotsBefore, 'the counts read again');
    await quiescent(api, writes, QUIET_MS);
    const burstWrites = writes() - writesBefore;
    const burstSnapshots = api.calls.snapshot - snapshotsBefore;
    assert.ok(burstWrites >= 1 && burstWrites <= 6, `1200 events caused ${burstWrites} store writes`);
    assert.ok(burstSnapshots >= 1 && burstSnapshots <= 2, `1200 events caused ${burstSnapshots} snapshot reads`);
  });

  test('while nothing happens, nothing is read', async () => {
    const { api, store, writes } = setup();
    await until(() => store.getState().snapshot !== null, 'a snapshot');
    await quiescent(api, writes, QUIET_MS);
    const before = { ...api.calls };
    // longer than every interval of the bridge except the safety refresh (60 s here)
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual(api.calls, before);
  });

  test('the open job is reloaded when an event names it, and its progress is applied', async () => {
    const { api, store } = setup();
    const id = await api.enqueue('demo-sleep', { seconds: 1 });
    store.getState().openDetail(id);
    store.getState().setDetailJob(id, await api.getJob(id));
    const version = store.getState().detailVersion;
    api.start(id);
    api.emit('job:progress', { id, task: 'demo-sleep', progress: { label: 'ifwiki', current: 3, total: 9 } });
    await until(() => store.getState().detailVersion > version, 'a detail reload signal');
    await until(() => store.getState().detail.job?.progress?.current === 3, 'the progress');
  });

  test('followed log lines reach the store in order, once, and stop after unsubscribing', async () => {
    const { api, store } = setup();
    const id = await api.enqueue('demo-sleep', { seconds: 1 });
    api.start(id);
    api.log(id, 'before follow');
    store.getState().openDetail(id);
    const off = bridge!.follow(id);
    await until(() => store.getState().detail.log.length === 1, 'existing lines');
    for (let i = 1; i <= 50; i++) api.log(id, `live ${i}`);
    await until(() => store.getState().detail.log.length === 51, 'live lines');
    assert.deepEqual(store.getState().detail.log.map((l) => l.seq), Array.from({ length: 51 }, (_, i) => i + 1));
    off();
    assert.equal(api.followerCount(), 0);
    store.getState().setDetailJob(id, await api.getJob(id));
    api.log(id, 'after unsubscribe');
    // a later flush (it carries this progress) would have carried the line too
    api.emit('job:progress', { id, task: 'demo-sleep', progress: { current: 1, total: 2 } });
    await until(() => store.getState().detail.job?.progress?.current === 1, 'a flush after the line');
    assert.equal(store.getState().detail.log.length, 51);
  });

  test('database down: the store says so, reads keep retrying, and it recovers by itself', async () => {
    const { api, store } = setup();
    await until(() => store.getState().connected === true, 'connected');
    api.setDown(true);
    await until(() => store.getState().connected === false, 'the outage');
    assert.match(store.getState().dbError ?? '', /ECONNREFUSED/);
    const jobs = store.getState().jobsVersion;
    api.setDown(false);
    await until(() => store.getState().connected === true, 'the recovery');
    await until(() => store.getState().jobsVersion > jobs, 'lists reloading after the recovery');
  });

  test('a failed snapshot without any event still marks the database down, then retries', async () => {
    const api = new FakeRunner();
    const store = createDashboardStore();
    (api as unknown as { down: boolean }).down = true;
    bridge = createBridge(api, store, TIMING);
    bridge.start();
    await until(() => store.getState().connected === false, 'down');
    const calls = api.calls.snapshot;
    (api as unknown as { down: boolean }).down = false;
    await until(() => store.getState().connected === true, 'up again after a retry');
    assert.ok(api.calls.snapshot > calls);
  });

  test('the safety refresh reads again, but an unchanged snapshot costs no store write', async () => {
    const api = new FakeRunner();
    const store = createDashboardStore();
    let writes = 0;
    store.subscribe(() => writes++);
    bridge = createBridge(api, store, { ...TIMING, safetyMs: 100 });
    bridge.start();
    await until(() => store.getState().snapshot !== null, 'a snapshot');
    const before = { writes, reads: api.calls.snapshot };
    await until(() => api.calls.snapshot >= before.reads + 3, 'three safety refreshes');
    assert.equal(writes, before.writes);
    await api.pauseQueue('demo-sleep');
    await until(() => store.getState().snapshot!.queues.find((q) => q.task === 'demo-sleep')!.paused, 'the change');
  });

  test('stop unsubscribes from every event', async () => {
    const { api } = setup();
    assert.ok(api.listenerCount() > 10);
    bridge!.stop();
    assert.equal(api.listenerCount(), 0);
  });
});
