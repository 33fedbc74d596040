// Actions on jobs and queues: retry, retry all failed, cancel, delete, cleanup, pause/resume.
import type { JobSummary } from '../../runner/types.ts';
import { confirm, refused, report, reportError, type ActionContext } from './context.ts';
import { currentScreen } from '../store/view-slice.ts';
import { shortId, plural } from '../format.ts';
import { sanitizeLine } from '../../text/terminal.ts';

/** The job the current screen points at: the selected row, or the open job. */
export function selectedJob(ctx: ActionContext): JobSummary | null {
  const s = ctx.store.getState();
  const screen = currentScreen(s.stack);
  if (screen.kind === 'jobs') return s.jobList.rows[s.jobList.index] ?? null;
  if (screen.kind === 'job') return s.detail.job;
  return null;
}

function label(job: JobSummary): string {
  return job.name ? `${shortId(job.id)} (${sanitizeLine(job.name)})` : shortId(job.id);
}

export function retryJob(ctx: ActionContext, job: JobSummary): Promise<boolean> {
  return report(ctx, `Retrying ${shortId(job.id)}…`, async () => {
    const n = await ctx.api.retryJob(job.id);
    return n > 0 ? `Retried job ${label(job)} in ${job.task}` : refused(`Job ${shortId(job.id)} was not retried: only failed or cancelled jobs can be`);
  });
}

export function cancelJob(ctx: ActionContext, job: JobSummary): Promise<boolean> {
  return report(ctx, `Cancelling ${shortId(job.id)}…`, async () => {
    const n = await ctx.api.cancelJob(job.id);
    return n > 0 ? `Cancelled job ${label(job)} in ${job.task}` : refused(`Job ${shortId(job.id)} was not cancelled: it has already finished`);
  });
}

const RUNNING_NOT_DELETED = 'is running: cancel it first (x), then delete it';

export function deleteJob(ctx: ActionContext, job: JobSummary, afterDelete?: () => void): void {
  // The runner never deletes a running job; say so instead of asking for something that cannot happen.
  if (job.state === 'active') {
    ctx.store.getState().showFlash('warn', `Job ${label(job)} ${RUNNING_NOT_DELETED}`);
    return;
  }
  confirm(ctx, 'Delete job', `Delete job ${label(job)} in ${job.task}?`, async () => {
    let gone = false;
    await report(ctx, `Deleting ${shortId(job.id)}…`, async () => {
      if ((await ctx.api.deleteJob(job.id)) > 0) {
        gone = true;
        return `Deleted job ${label(job)}`;
      }
      // not deleted: it may have started since the list was read
      gone = (await ctx.api.getJob(job.id)) === null;
      return refused(gone ? `Job ${shortId(job.id)} was already gone` : `Job ${shortId(job.id)} was not deleted: it ${RUNNING_NOT_DELETED}`);
    });
    if (gone) afterDelete?.();
  }, 'The job and its log are removed for good.');
}

/** Retry every failed job of a queue, or only those matching the job list's filter. */
export async function retryAllFailed(ctx: ActionContext, task: string, search: string): Promise<void> {
  const filter = { task, state: 'failed' as const, ...(search ? { search } : {}) };
  let count: number;
  try {
    count = await ctx.api.countJobs(filter);
  } catch (error) {
    reportError(ctx, error);
    return;
  }
  const scope = search ? `${task} matching "${sanitizeLine(search)}"` : task;
  if (count === 0) {
    ctx.store.getState().showFlash('note', `No failed jobs in ${scope}`);
    return;
  }
  confirm(ctx, 'Retry all failed', `Retry ${plural(count, 'failed job')} in ${scope}?`, async () => {
    await report(ctx, `Retrying ${plural(count, 'job')}…`, async () => {
      const ids = search ? await collectIds(ctx, filter) : undefined;
      const n = await ctx.api.retryFailed(ids ? { task, ids } : { task });
      return `Retried ${plural(n, 'failed job')} in ${scope}`;
    });
  }, `Filter: ${search ? sanitizeLine(search) : 'none'}. Each job gets a fresh retry budget.`);
}

const MAX_FILTERED_IDS = 50_000;

async function collectIds(ctx: ActionContext, filter: { task: string; state: 'failed'; search?: string }): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const page = await ctx.api.listJobs(filter, { limit: 1000, after });
    ids.push(...page.jobs.map((j) => j.id));
    after = page.next;
  } while (after && ids.length < MAX_FILTERED_IDS);
  return ids;
}

/** The age the dashboard's cleanup deletes from, as `ifqueue cleanup`'s default (not the runner's retention, which may differ). */
const CLEANUP_DAYS = 14;

/** Shows what a cleanup would delete, then asks. */
export async function cleanup(ctx: ActionContext, task: string | null): Promise<void> {
  const scope = task ?? 'all queues';
  const options = { olderThanSeconds: CLEANUP_DAYS * 86_400, ...(task ? { task } : {}) };
  const { showFlash } = ctx.store.getState();
  showFlash('progress', `Counting what a cleanup of ${scope} would delete…`);
  let preview;
  try {
    preview = await ctx.api.cleanup({ ...options, dryRun: true });
  } catch (error) {
    reportError(ctx, error);
    return;
  }
  const total = preview.completed + preview.cancelled + preview.failed;
  if (total === 0) {
    showFlash('info', `Nothing to clean up in ${scope}: no finished jobs older than ${CLEANUP_DAYS} days`);
    return;
  }
  confirm(ctx, 'Cleanup', `Delete ${plural(total, 'finished job')} in ${scope}?`, async () => {
    await report(ctx, `Cleaning up ${scope}…`, async () => {
      const done = await ctx.api.cleanup(options);
      return `Cleanup deleted ${plural(done.completed + done.cancelled + done.failed, 'job')} in ${scope}`;
    });
  }, `Completed ${preview.completed}, cancelled ${preview.cancelled}, failed ${preview.failed}; all finished more than ${CLEANUP_DAYS} days ago.`);
}

export function togglePause(ctx: ActionContext, task: string, paused: boolean): Promise<boolean> {
  return report(ctx, `${paused ? 'Resuming' : 'Pausing'} ${task}…`, async () => {
    if (paused) {
      await ctx.api.resumeQueue(task);
      return `Resumed queue ${task}`;
    }
    await ctx.api.pauseQueue(task);
    return `Paused queue ${task}: running jobs finish, no new ones start`;
  });
}
