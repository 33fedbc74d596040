import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDashboardStore } from '../../src/ui/store/index.ts';
import { listKey } from '../../src/ui/store/jobs-slice.ts';
import { currentScreen } from '../../src/ui/store/view-slice.ts';
import type { JobSummary, LogLine } from '../../src/runner/types.ts';

function job(id: string): JobSummary {
  const t = '2024-01-01T00:00:00.000Z';
  return { id, task: 'clone-file', name: null, state: 'failed', priority: 100, attempt: 1, maxAttempts: 1, dependsOn: null, blocked: false, args: {}, createdAt: t, startAfter: t, startedAt: t, finishedAt: t, error: 'x' };
}

function line(attempt: number, seq: number): LogLine {
  return { jobId: 'j', attempt, seq, ts: '2024-01-01T00:00:00.000Z', level: 'info', text: `line ${attempt}.${seq}` };
}

describe('dashboard store', () => {
  test('each call builds an independent store', () => {
    const a = createDashboardStore();
    const b = createDashboardStore();
    a.getState().push({ kind: 'schedules' });
    assert.equal(currentScreen(a.getState().stack).kind, 'schedules');
    assert.equal(currentScreen(b.getState().stack).kind, 'overview');
  });

  test('pop goes back one screen and reports false at the overview', () => {
    const s = createDashboardStore();
    s.getState().push({ kind: 'jobs' });
    assert.equal(s.getState().pop(), true);
    assert.equal(s.getState().pop(), false);
    assert.deepEqual(s.getState().stack, [{ kind: 'overview' }]);
  });

  test('a reloaded job page keeps the selected job selected when it moved', () => {
    const s = createDashboardStore();
    s.getState().openJobList('clone-file', 'failed');
    const key = s.getState().jobList.key;
    s.getState().setJobRows(key, [job('a'), job('b'), job('c')], null, false);
    s.getState().setJobIndex(1);
    s.getState().setJobRows(key, [job('new'), job('a'), job('b'), job('c')], null, false);
    assert.equal(s.getState().jobList.index, 2);
    assert.equal(s.getState().jobList.rows[2].id, 'b');
  });

  test('a following keyset page is appended, and answers for an older query are ignored', () => {
    const s = createDashboardStore();
    s.getState().openJobList('clone-file', 'failed');
    const key = s.getState().jobList.key;
    s.getState().setJobRows(key, [job('a')], 'cursor1', false);
    s.getState().setJobRows(key, [job('b')], null, true);
    assert.deepEqual(s.getState().jobList.rows.map((r) => r.id), ['a', 'b']);
    assert.equal(s.getState().jobList.next, null);
    s.getState().setJobRows(listKey('clone-file', 'waiting', ''), [job('stale')], null, false);
    assert.deepEqual(s.getState().jobList.rows.map((r) => r.id), ['a', 'b']);
  });

  test('switching tab or committing a filter starts a fresh query; Esc clears the filter', () => {
    const s = createDashboardStore();
    s.getState().openJobList('clone-file', 'failed');
    s.getState().setJobRows(s.getState().jobList.key, [job('a')], null, false);
    s.getState().setFilterDraft('  10231 ');
    s.getState().commitFilter();
    assert.equal(s.getState().jobList.filter, '10231');
    assert.equal(s.getState().jobList.filterDraft, null);
    assert.deepEqual(s.getState().jobList.rows, []);
    s.getState().setTab('completed');
    assert.equal(s.getState().jobList.filter, '10231', 'the filter survives a tab switch');
    s.getState().clearFilter();
    assert.equal(s.getState().jobList.filter, '');
    assert.equal(s.getState().jobList.key, listKey('clone-file', 'completed', ''));
  });

  test('log lines are appended in order and replays are dropped', () => {
    const s = createDashboardStore();
    s.getState().openDetail('j');
    s.getState().appendLog('j', [line(1, 1), line(1, 2)]);
    const before = s.getState().detail.log;
    s.getState().appendLog('j', [line(1, 1), line(1, 2)]);
    assert.equal(s.getState().detail.log, before, 'a pure replay does not even replace the array');
    s.getState().appendLog('j', [line(1, 2), line(1, 3), line(2, 1)]);
    assert.deepEqual(s.getState().detail.log.map((l) => `${l.attempt}.${l.seq}`), ['1.1', '1.2', '1.3', '2.1']);
    s.getState().appendLog('other-job', [line(3, 1)]);
    assert.equal(s.getState().detail.log.length, 4, 'lines for another job are ignored');
  });

  test('choosing another attempt clears the log and resumes following', () => {
    const s = createDashboardStore();
    s.getState().openDetail('j');
    s.getState().appendLog('j', [line(2, 1)]);
    s.getState().setFollow(false);
    s.getState().setDetailAttempt(1);
    assert.deepEqual(s.getState().detail.log, []);
    assert.equal(s.getState().detail.follow, true);
    assert.equal(s.getState().detail.attempt, 1);
  });

  test('a flash timer clears only its own message', () => {
    const s = createDashboardStore();
    s.getState().showFlash('info', 'first');
    const first = s.getState().flash!.seq;
    s.getState().showFlash('error', 'second');
    s.getState().clearFlash(first);
    assert.equal(s.getState().flash?.text, 'second');
    s.getState().clearFlash();
    assert.equal(s.getState().flash, null);
  });

  test('updateDialog changes only a dialog of the named kind', () => {
    const s = createDashboardStore();
    s.getState().openDialog({ kind: 'import', choice: 0, dryRun: false, busy: false });
    s.getState().updateDialog('enqueue', () => ({ busy: true }));
    assert.deepEqual(s.getState().dialog, { kind: 'import', choice: 0, dryRun: false, busy: false });
    s.getState().updateDialog('import', (d) => ({ dryRun: !d.dryRun }));
    assert.equal((s.getState().dialog as { dryRun: boolean }).dryRun, true);
  });

  test('the connection state drops the error once connected again', () => {
    const s = createDashboardStore();
    s.getState().setConnection(false, 'ECONNREFUSED');
    assert.equal(s.getState().dbError, 'ECONNREFUSED');
    s.getState().setConnection(true);
    assert.equal(s.getState().dbError, null);
    assert.equal(s.getState().connected, true);
  });
});
