// Enqueueing from the dashboard: the generic form (n: arguments, name, priority, delay, retries, dependency),
// the import picker (i) and the feed fetch (f); IFDB tasks on a database without IFDB's tables ask first.
import type { EnqueueOptions, TaskInfo } from '../../runner/types.ts';
import { ageWords, parseDuration } from '../../text/duration.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { checkArgs, hasArg } from '../args-schema.ts';
import { textField } from '../keys/text-edit.ts';
import type { EnqueueDialog } from '../store/dialog-slice.ts';
import { shortId } from '../format.ts';
import { errorLine } from '../errors.ts';
import { refused, report, type ActionContext } from './context.ts';
import { missingTables, unlessTablesMissing } from './ifdb-check.ts';

export const IMPORT_TASKS = ['import-games', 'import-force-update-urls', 'force-reimport'] as const;
export const FEEDS_TASK = 'fetch-feeds';

function taskInfo(ctx: ActionContext, name: string): TaskInfo | undefined {
  return ctx.api.tasks().find((t) => t.name === name);
}

function exampleText(task: TaskInfo | undefined): string {
  return task?.exampleArgs == null ? '{}' : JSON.stringify(task.exampleArgs);
}

export function openEnqueue(ctx: ActionContext, preferTask?: string): void {
  const tasks = ctx.api.tasks().map((t) => t.name);
  if (tasks.length === 0) {
    ctx.store.getState().showFlash('error', 'No tasks are registered in this runner');
    return;
  }
  const taskIndex = Math.max(0, preferTask ? tasks.indexOf(preferTask) : 0);
  const dialog: EnqueueDialog = {
    kind: 'enqueue', tasks, taskIndex, focus: 'args', problem: null, error: null, busy: false,
    fields: {
      args: textField(exampleText(taskInfo(ctx, tasks[taskIndex]))), name: textField(), priority: textField(),
      delay: textField(), retries: textField(), dependsOn: textField(),
    },
  };
  ctx.store.getState().openDialog({ ...dialog, problem: validateEnqueue(ctx, dialog) });
  // The form says when the chosen task needs IFDB tables this database lacks.
  void missingTables(ctx, tasks[taskIndex]);
}

/** The enqueue options typed in the form, or the first problem with them. */
export function enqueueOptions(d: EnqueueDialog): { options: EnqueueOptions } | { problem: string } {
  const name = d.fields.name.value.trim();
  const priority = d.fields.priority.value.trim();
  const delay = d.fields.delay.value.trim();
  const retries = d.fields.retries.value.trim();
  const dependsOn = d.fields.dependsOn.value.trim();
  if (priority !== '' && !/^-?\d+$/.test(priority)) return { problem: 'priority must be a whole number (lower runs sooner)' };
  if (retries !== '' && !/^\d+$/.test(retries)) return { problem: 'retries must be a whole number, 0 or more' };
  let startAfter: number | undefined;
  if (delay !== '') {
    try {
      startAfter = parseDuration(delay);
    } catch (error) {
      return { problem: `delay: ${errorLine(error)}` };
    }
  }
  return {
    options: {
      ...(name ? { name } : {}),
      ...(priority ? { priority: Number(priority) } : {}),
      ...(startAfter ? { startAfter } : {}),
      ...(retries ? { retries: Number(retries) } : {}),
      ...(dependsOn ? { dependsOn } : {}),
    },
  };
}

/** The first problem with the form, checked as the user types. */
export function validateEnqueue(ctx: ActionContext, d: EnqueueDialog): string | null {
  const task = taskInfo(ctx, d.tasks[d.taskIndex]);
  if (!task) return `unknown task ${d.tasks[d.taskIndex]}`;
  const options = enqueueOptions(d);
  return 'problem' in options ? options.problem : checkArgs(task, d.fields.args.value).problem;
}

/** Switches the form to another task, resetting the arguments to that task's example. */
export function chooseEnqueueTask(ctx: ActionContext, delta: number): void {
  ctx.store.getState().updateDialog('enqueue', (d) => {
    const taskIndex = (d.taskIndex + delta + d.tasks.length) % d.tasks.length;
    const next = { ...d, taskIndex, error: null, fields: { ...d.fields, args: textField(exampleText(taskInfo(ctx, d.tasks[taskIndex]))) } };
    return { ...next, problem: validateEnqueue(ctx, next) };
  });
  const d = ctx.store.getState().dialog;
  if (d?.kind === 'enqueue') void missingTables(ctx, d.tasks[d.taskIndex]);
}

export async function submitEnqueue(ctx: ActionContext): Promise<void> {
  const d = ctx.store.getState().dialog;
  if (d?.kind !== 'enqueue' || d.busy) return;
  const problem = validateEnqueue(ctx, d);
  if (problem) {
    ctx.store.getState().updateDialog('enqueue', () => ({ problem }));
    ctx.store.getState().showFlash('error', `Not enqueued: ${problem}`);
    return;
  }
  const task = d.tasks[d.taskIndex];
  const checked = enqueueOptions(d);
  if ('problem' in checked) return;
  const { options } = checked;
  const args = d.fields.args.value.trim() === '' ? {} : JSON.parse(d.fields.args.value);
  ctx.store.getState().updateDialog('enqueue', () => ({ busy: true, error: null }));
  try {
    const id = await ctx.api.enqueue(task, args, options);
    ctx.store.getState().closeDialog();
    const when = typeof options.startAfter === 'number' ? `, starts in ${ageWords(options.startAfter)}` : '';
    const after = options.dependsOn ? `, after ${sanitizeLine(options.dependsOn)}` : '';
    ctx.store.getState().showFlash('info', `Enqueued ${task} job ${shortId(id)}${when}${after}`);
    ctx.bridge.refresh();
  } catch (error) {
    // The runner's message names the field; keep the form open so the user can fix it.
    ctx.store.getState().updateDialog('enqueue', () => ({ busy: false, error: errorLine(error) }));
    ctx.store.getState().showFlash('error', `Not enqueued: ${errorLine(error)}`);
  }
}

export function openImport(ctx: ActionContext): void {
  ctx.store.getState().openDialog({ kind: 'import', choice: 0, dryRun: false, busy: false });
  // The picker says up front when this database lacks IFDB's tables.
  void missingTables(ctx, IMPORT_TASKS[0]);
}

/** Enqueues the chosen import unless the same one is already waiting or running. */
export async function submitImport(ctx: ActionContext, choice: number, dryRun: boolean): Promise<void> {
  const name = IMPORT_TASKS[choice];
  const task = taskInfo(ctx, name);
  if (!task) {
    ctx.store.getState().showFlash('error', `${name} is not registered in this runner`);
    return;
  }
  if (dryRun && !hasArg(task, 'dryRun')) {
    ctx.store.getState().showFlash('error', `${name} has no dry-run option`);
    return;
  }
  ctx.store.getState().closeDialog();
  const base = typeof task.exampleArgs === 'object' && task.exampleArgs !== null ? task.exampleArgs : {};
  const args = hasArg(task, 'dryRun') ? { ...base, dryRun } : base;
  const label = dryRun ? `${name} (dry run)` : name;
  await unlessTablesMissing(ctx, name, `Enqueue ${label}`, () => enqueueOnce(ctx, name, args, label));
}

export async function fetchFeeds(ctx: ActionContext): Promise<void> {
  const task = taskInfo(ctx, FEEDS_TASK);
  if (!task) {
    ctx.store.getState().showFlash('error', `${FEEDS_TASK} is not registered in this runner`);
    return;
  }
  await unlessTablesMissing(ctx, FEEDS_TASK, `Enqueue ${FEEDS_TASK}`, () => enqueueOnce(ctx, FEEDS_TASK, task.exampleArgs ?? {}, FEEDS_TASK));
}

function enqueueOnce(ctx: ActionContext, task: string, args: unknown, label: string): Promise<boolean> {
  return report(ctx, `Enqueueing ${label}…`, async () => {
    const { id, created } = await ctx.api.enqueueOrGet(task, args, { name: label });
    return created ? `Enqueued ${label} as job ${shortId(id)}` : refused(`${label} not enqueued: already queued or running (job ${shortId(id)})`);
  });
}
