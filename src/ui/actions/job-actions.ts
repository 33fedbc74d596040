// Actions on jobs and queues: retry, retry all failed, cancel, delete, cleanup (age and failed jobs chosen in a
// form, counted first, then confirmed), pause/resume.
import type { JobSummary } from '../../runner/types.ts';
import { confirm, refused, report, reportError, type ActionContext } from './context.ts';
import { currentScreen } from '../store/view-slice.ts';
import { shortId, plural } from '../format.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { ageWords, parseDuration } from '../../text/duration.ts';
import { textField } from '../keys/text-edit.ts';
import type { CleanupDialog } from '../store/dialog-slice.ts';
import { errorLine } from '../errors.ts';

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

/** Opens the cleanup form for a queue (or all): age defaults to IFQUEUE_RETENTION_DAYS, failed jobs off. */
export function openCleanup(ctx: ActionContext, task: string | null): void {
  ctx.store.getState().openDialog({
    kind: 'cleanup', task, focus: 'age', age: textField(`${ctx.retentionDays}d`), includeFailed: false, problem: null, busy: false,
  });
}

/** The age typed in the cleanup form, in seconds, or the problem with it. */
export function cleanupAge(d: CleanupDialog): { seconds: number } | { problem: string } {
  try {
    const seconds = parseDuration(d.age.value);
    return seconds > 0 ? { seconds } : { problem: 'the age must be more than 0' };
  } catch (error) {
    return { problem: errorLine(error) };
  }
}

function cleanupWords(task: string | null, seconds: number) {
  return { scope: task ?? 'all queues', age: ageWords(seconds) };
}

/** Counts what the cleanup in the form would delete, then asks before deleting it. */
export async function submitCleanup(ctx: ActionContext): Promise<void> {
  const d = ctx.store.getState().dialog;
  if (d?.kind !== 'cleanup' || d.busy) return;
  const age = cleanupAge(d);
  if ('problem' in age) {
    ctx.store.getState().updateDialog('cleanup', () => ({ problem: age.problem }));
    return;
  }
  const { task, includeFailed } = d;
  const options = { olderThanSeconds: age.seconds, includeFailed, ...(task ? { task } : {}) };
  const words = cleanupWords(task, age.seconds);
  ctx.store.getState().updateDialog('cleanup', () => ({ busy: true, problem: null }));
  let preview;
  try {
    preview = await ctx.api.cleanup({ ...options, dryRun: true });
  } catch (error) {
    ctx.store.getState().updateDialog('cleanup', () => ({ busy: false, problem: errorLine(error) }));
    return;
  }
  const s = ctx.store.getState();
  if (s.dialog?.kind !== 'cleanup') return;
  s.closeDialog();
  const total = preview.completed + preview.cancelled + preview.failed;
  if (total === 0) {
    s.showFlash('note', `Nothing to clean up in ${words.scope} older than ${words.age}${includeFailed ? '' : ' (failed jobs kept)'}`);
    return;
  }
  const counts = `Completed ${preview.completed}, cancelled ${preview.cancelled}${includeFailed ? `, failed ${preview.failed}` : ''}`;
  confirm(ctx, 'Cleanup', `Delete ${plural(total, 'job')} in ${words.scope} finished more than ${words.age} ago?`, async () => {
    await report(ctx, `Cleaning up ${words.scope}…`, async () => {
      const done = await ctx.api.cleanup(options);
      return `Cleanup deleted ${plural(done.completed + done.cancelled + done.failed, 'job')} in ${words.scope} (older than ${words.age})`;
    });
  }, `${counts}. The jobs and their logs are removed for good.`);
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
