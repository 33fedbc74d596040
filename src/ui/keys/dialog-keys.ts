// Keys in dialogs: the confirmation, the enqueue, schedule and cleanup forms, and the import picker.
import { commandFor, SCOPE_CHAINS } from './keymap.ts';
import { editText } from './text-edit.ts';
import type { KeyPress } from './key-name.ts';
import type { DispatchContext, Layer } from './dispatch.ts';
import { CLEANUP_FIELDS, ENQUEUE_FIELDS, SCHEDULE_FIELDS, type CleanupDialog, type EnqueueDialog, type ScheduleDialog } from '../store/dialog-slice.ts';
import { cleanupAge, submitCleanup } from '../actions/job-actions.ts';
import { chooseEnqueueTask, IMPORT_TASKS, submitEnqueue, submitImport, validateEnqueue } from '../actions/enqueue-actions.ts';
import { checkSchedule, submitSchedule } from '../actions/schedule-actions.ts';

function cycle<T>(items: readonly T[], current: T, delta: number): T {
  return items[(items.indexOf(current) + delta + items.length) % items.length];
}

function enqueueKeys(ctx: DispatchContext, d: EnqueueDialog, key: KeyPress): void {
  const s = ctx.store.getState();
  const command = commandFor(SCOPE_CHAINS.form, key.name, ctx.keymap)?.command;
  if (command === 'no') return s.closeDialog();
  if (command === 'submit') return void submitEnqueue(ctx);
  if (command === 'nextField' || command === 'prevField') {
    s.updateDialog('enqueue', () => ({ focus: cycle(ENQUEUE_FIELDS, d.focus, command === 'nextField' ? 1 : -1) }));
    return;
  }
  if (d.focus === 'task') {
    if (key.name === 'left' || key.name === 'right') chooseEnqueueTask(ctx, key.name === 'right' ? 1 : -1);
    return;
  }
  const field = editText(d.fields[d.focus], key);
  if (!field) return;
  s.updateDialog('enqueue', (cur) => {
    const next = { ...cur, fields: { ...cur.fields, [d.focus]: field }, error: null };
    return { ...next, problem: validateEnqueue(ctx, next) };
  });
}

function scheduleKeys(ctx: DispatchContext, d: ScheduleDialog, key: KeyPress): void {
  const s = ctx.store.getState();
  const command = commandFor(SCOPE_CHAINS.form, key.name, ctx.keymap)?.command;
  if (command === 'no') return s.closeDialog();
  if (command === 'submit') return void submitSchedule(ctx);
  // In edit mode the task is part of the schedule's identity, so its field is skipped.
  const fields = d.mode === 'edit' ? SCHEDULE_FIELDS.filter((f) => f !== 'task') : SCHEDULE_FIELDS;
  if (command === 'nextField' || command === 'prevField') {
    s.updateDialog('schedule', () => ({ focus: cycle(fields, d.focus, command === 'nextField' ? 1 : -1) }));
    return;
  }
  let next: ScheduleDialog | null = null;
  if (d.focus === 'task') {
    if (key.name === 'left' || key.name === 'right') next = { ...d, taskIndex: (d.taskIndex + (key.name === 'right' ? 1 : -1) + d.tasks.length) % d.tasks.length };
  } else {
    const field = editText(d.fields[d.focus], key);
    if (field) next = { ...d, fields: { ...d.fields, [d.focus]: field } };
  }
  if (next) {
    const checked = { ...next, error: null, ...checkSchedule(ctx, next) };
    s.updateDialog('schedule', () => checked);
  }
}

function cleanupKeys(ctx: DispatchContext, d: CleanupDialog, key: KeyPress): void {
  const s = ctx.store.getState();
  const command = commandFor(SCOPE_CHAINS.form, key.name, ctx.keymap)?.command;
  if (command === 'no') return s.closeDialog();
  if (command === 'submit') return void submitCleanup(ctx);
  if (command === 'nextField' || command === 'prevField') {
    s.updateDialog('cleanup', () => ({ focus: cycle(CLEANUP_FIELDS, d.focus, command === 'nextField' ? 1 : -1) }));
    return;
  }
  if (d.busy) return;
  if (d.focus === 'failed') {
    if (command === 'toggle' || key.name === 'left' || key.name === 'right') s.updateDialog('cleanup', (cur) => ({ includeFailed: !cur.includeFailed }));
    return;
  }
  const age = editText(d.age, key);
  if (!age) return;
  s.updateDialog('cleanup', (cur) => {
    const next = { ...cur, age };
    const checked = cleanupAge(next);
    return { age, problem: 'problem' in checked ? checked.problem : null };
  });
}

export const dialogLayer: Layer = (ctx, key) => {
  const s = ctx.store.getState();
  const d = s.dialog;
  if (!d) return false;
  switch (d.kind) {
    case 'confirm': {
      const command = commandFor(SCOPE_CHAINS.confirm, key.name, ctx.keymap)?.command;
      if (command === 'yes' && !d.busy) {
        s.closeDialog();
        void d.onConfirm();
      } else if (command === 'no') {
        s.closeDialog();
        s.showFlash('note', 'Nothing done');
      }
      return true;
    }
    case 'enqueue':
      enqueueKeys(ctx, d, key);
      return true;
    case 'schedule':
      scheduleKeys(ctx, d, key);
      return true;
    case 'cleanup':
      cleanupKeys(ctx, d, key);
      return true;
    case 'import': {
      const command = commandFor(SCOPE_CHAINS.picker, key.name, ctx.keymap)?.command;
      if (command === 'up' || command === 'down') {
        const choice = (d.choice + (command === 'down' ? 1 : -1) + IMPORT_TASKS.length) % IMPORT_TASKS.length;
        s.updateDialog('import', () => ({ choice }));
      } else if (command === 'toggleDryRun') s.updateDialog('import', (cur) => ({ dryRun: !cur.dryRun }));
      else if (command === 'submit') void submitImport(ctx, d.choice, d.dryRun);
      else if (command === 'no') s.closeDialog();
      return true;
    }
  }
};
