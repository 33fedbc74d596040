// Keys on a queue's job list: tabs, filter, selection and the actions on the selected job.
import type { ScreenHandler } from './screen-keys.ts';
import { moveIndex } from './motion.ts';
import { jobListRows } from '../layout.ts';
import { TABS } from '../store/jobs-slice.ts';
import { openJob } from '../actions/navigation.ts';
import { cancelJob, openCleanup, deleteJob, retryAllFailed, retryJob, togglePause } from '../actions/job-actions.ts';
import { openEnqueue } from '../actions/enqueue-actions.ts';

export const jobsKeys: ScreenHandler = (ctx, binding, key) => {
  const s = ctx.store.getState();
  const list = s.jobList;
  const job = list.rows[list.index];
  const moved = moveIndex(binding.command, list.index, list.rows.length, jobListRows(ctx.rows()));
  if (moved !== null) {
    s.setJobIndex(moved);
    return true;
  }
  const tabIndex = TABS.indexOf(list.tab);
  switch (binding.command) {
    case 'open':
      if (job) openJob(ctx, job.id);
      return true;
    case 'prevTab':
      s.setTab(TABS[(tabIndex - 1 + TABS.length) % TABS.length]);
      return true;
    case 'nextTab':
      s.setTab(TABS[(tabIndex + 1) % TABS.length]);
      return true;
    case 'tabNumber':
      s.setTab(TABS[Number(key.name) - 1] ?? list.tab);
      return true;
    case 'filter':
      s.setFilterDraft(list.filter);
      return true;
    case 'retry':
      if (job) void retryJob(ctx, job);
      return true;
    case 'retryAll':
      if (list.tab !== 'failed') s.showFlash('error', `R retries failed jobs: switch to the failed tab (${TABS.indexOf('failed') + 1})`);
      else void retryAllFailed(ctx, list.task, list.filter);
      return true;
    case 'cancel':
      if (job) void cancelJob(ctx, job);
      return true;
    case 'delete':
      if (job) deleteJob(ctx, job);
      return true;
    case 'pause': {
      const paused = s.snapshot?.queues.find((q) => q.task === list.task)?.paused ?? false;
      void togglePause(ctx, list.task, paused);
      return true;
    }
    case 'cleanup':
      openCleanup(ctx, list.task);
      return true;
    case 'enqueue':
      openEnqueue(ctx, list.task);
      return true;
    case 'refresh':
      ctx.bridge.refresh();
      return true;
    default:
      return false;
  }
};
