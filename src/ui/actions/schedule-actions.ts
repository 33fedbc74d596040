// Schedules from the dashboard: add/edit (cron checked as you type), pause/resume, delete, run now.
import type { ScheduleInfo } from '../../runner/types.ts';
import { textField } from '../keys/text-edit.ts';
import type { ScheduleDialog } from '../store/dialog-slice.ts';
import { checkArgs } from '../args-schema.ts';
import { shortId, clock, until } from '../format.ts';
import { errorLine } from '../errors.ts';
import { confirm, refused, report, type ActionContext } from './context.ts';
import { unlessTablesMissing } from './ifdb-check.ts';

export function selectedSchedule(ctx: ActionContext): ScheduleInfo | null {
  const s = ctx.store.getState();
  return s.snapshot?.schedules[s.scheduleIndex] ?? null;
}

export function openScheduleEditor(ctx: ActionContext, schedule: ScheduleInfo | null): void {
  const tasks = ctx.api.tasks().map((t) => t.name);
  if (tasks.length === 0) {
    ctx.store.getState().showFlash('error', 'No tasks are registered in this runner');
    return;
  }
  const taskIndex = schedule ? Math.max(0, tasks.indexOf(schedule.task)) : 0;
  const dialog: ScheduleDialog = {
    kind: 'schedule', mode: schedule ? 'edit' : 'add', tasks, taskIndex, focus: schedule ? 'cron' : 'task',
    fields: {
      cron: textField(schedule?.cron ?? '0 * * * *'),
      tz: textField(schedule?.tz ?? 'UTC'),
      args: textField(JSON.stringify(schedule?.args ?? {})),
      key: textField(schedule?.key ?? 'default'),
    },
    preview: null, problem: null, error: null, busy: false,
  };
  ctx.store.getState().openDialog({ ...dialog, ...checkSchedule(ctx, dialog) });
}

/** Re-validates the form: the cron expression through the runner's preview, the args through the task's schema. */
export function checkSchedule(ctx: ActionContext, d: ScheduleDialog): Pick<ScheduleDialog, 'preview' | 'problem'> {
  const preview = ctx.api.previewCron(d.fields.cron.value.trim(), d.fields.tz.value.trim() || 'UTC', 5);
  const task = ctx.api.tasks().find((t) => t.name === d.tasks[d.taskIndex]);
  const args = task ? checkArgs(task, d.fields.args.value).problem : `unknown task ${d.tasks[d.taskIndex]}`;
  const key = d.fields.key.value.trim() === '' ? 'key must not be empty' : null;
  return { preview, problem: preview.ok ? (args ?? key) : `cron: ${errorLine(preview.error)}` };
}

export async function submitSchedule(ctx: ActionContext): Promise<void> {
  const d = ctx.store.getState().dialog;
  if (d?.kind !== 'schedule' || d.busy) return;
  const checked = checkSchedule(ctx, d);
  if (checked.problem) {
    ctx.store.getState().updateDialog('schedule', () => checked);
    ctx.store.getState().showFlash('error', `Not saved: ${checked.problem}`);
    return;
  }
  ctx.store.getState().updateDialog('schedule', () => ({ busy: true, error: null }));
  const text = d.fields.args.value.trim();
  try {
    const saved = await ctx.api.setSchedule({
      task: d.tasks[d.taskIndex], cron: d.fields.cron.value.trim(), tz: d.fields.tz.value.trim() || 'UTC',
      args: text === '' ? {} : JSON.parse(text), key: d.fields.key.value.trim(),
    });
    ctx.store.getState().closeDialog();
    const next = saved.nextRuns[0];
    ctx.store.getState().showFlash('info', `Saved schedule ${saved.task}: next ${next ? `${clock(next, Date.now())} (${until(next, Date.now())})` : '—'}`);
    ctx.bridge.refresh();
  } catch (error) {
    ctx.store.getState().updateDialog('schedule', () => ({ busy: false, error: errorLine(error) }));
    ctx.store.getState().showFlash('error', `Not saved: ${errorLine(error)}`);
  }
}

export async function toggleSchedule(ctx: ActionContext, s: ScheduleInfo): Promise<void> {
  const toggle = () =>
    report(ctx, `${s.paused ? 'Resuming' : 'Pausing'} schedule ${s.task}…`, async () => {
      if (s.paused) await ctx.api.resumeSchedule(s.id);
      else await ctx.api.pauseSchedule(s.id);
      return `${s.paused ? 'Resumed' : 'Paused'} schedule ${s.task} (${s.key})`;
    });
  // Resuming a schedule whose task lacks IFDB's tables here would only produce failures: ask first.
  if (s.paused) await unlessTablesMissing(ctx, s.task, `Resume schedule ${s.task}`, toggle);
  else await toggle();
}

export function deleteSchedule(ctx: ActionContext, s: ScheduleInfo): void {
  confirm(ctx, 'Delete schedule', `Delete schedule ${s.task} (${s.key}, ${s.cron})?`, async () => {
    await report(ctx, 'Deleting schedule…', async () => {
      const n = await ctx.api.deleteSchedule(s.id);
      return n > 0 ? `Deleted schedule ${s.task} (${s.key})` : refused(`Schedule ${s.task} (${s.key}) was already gone`);
    });
  }, 'Jobs it already created are kept.');
}

export function runScheduleNow(ctx: ActionContext, s: ScheduleInfo): Promise<boolean> {
  return report(ctx, `Running ${s.task} now…`, async () => `Started ${s.task} now as job ${shortId(await ctx.api.runScheduleNow(s.id))}`);
}
