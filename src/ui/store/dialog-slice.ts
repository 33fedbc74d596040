// Modal layers over the current screen: confirmations and the small forms (enqueue, import, schedule).
import type { CronPreview } from '../../runner/types.ts';
import type { TextField } from '../keys/text-edit.ts';
import type { SliceCreator } from './index.ts';

export interface ConfirmDialog {
  kind: 'confirm';
  title: string;
  /** names the action, the count and the scope */
  message: string;
  detail?: string;
  busy: boolean;
  onConfirm: () => Promise<void>;
}

export type EnqueueField = 'task' | 'args' | 'name' | 'priority' | 'delay' | 'retries' | 'dependsOn';
export const ENQUEUE_FIELDS: readonly EnqueueField[] = ['task', 'args', 'name', 'priority', 'delay', 'retries', 'dependsOn'];

export interface EnqueueDialog {
  kind: 'enqueue';
  tasks: string[];
  taskIndex: number;
  focus: EnqueueField;
  fields: Record<Exclude<EnqueueField, 'task'>, TextField>;
  /** found while typing (JSON syntax, the task's schema) */
  problem: string | null;
  /** what api.enqueue answered */
  error: string | null;
  busy: boolean;
}

export interface ImportDialog {
  kind: 'import';
  choice: number;
  dryRun: boolean;
  busy: boolean;
}

export type ScheduleField = 'task' | 'cron' | 'tz' | 'args' | 'key';
export const SCHEDULE_FIELDS: readonly ScheduleField[] = ['task', 'cron', 'tz', 'args', 'key'];

export interface ScheduleDialog {
  kind: 'schedule';
  mode: 'add' | 'edit';
  tasks: string[];
  taskIndex: number;
  focus: ScheduleField;
  fields: Record<Exclude<ScheduleField, 'task'>, TextField>;
  preview: CronPreview | null;
  problem: string | null;
  error: string | null;
  busy: boolean;
}

export type CleanupField = 'age' | 'failed';
export const CLEANUP_FIELDS: readonly CleanupField[] = ['age', 'failed'];

export interface CleanupDialog {
  kind: 'cleanup';
  /** one queue, or null for all */
  task: string | null;
  focus: CleanupField;
  /** delete jobs finished longer ago than this (typed: 14d, 12h, 30m) */
  age: TextField;
  includeFailed: boolean;
  problem: string | null;
  busy: boolean;
}

export type Dialog = ConfirmDialog | EnqueueDialog | ImportDialog | ScheduleDialog | CleanupDialog;

export interface DialogSlice {
  dialog: Dialog | null;
  openDialog(dialog: Dialog): void;
  /** changes the open dialog if it is still of that kind */
  updateDialog<K extends Dialog['kind']>(kind: K, fn: (d: Extract<Dialog, { kind: K }>) => Partial<Extract<Dialog, { kind: K }>>): void;
  closeDialog(): void;
}

export const createDialogSlice: SliceCreator<DialogSlice> = (set) => ({
  dialog: null,
  openDialog: (dialog) => set({ dialog }),
  updateDialog: (kind, fn) =>
    set((s) => {
      if (s.dialog?.kind !== kind) return {};
      const d = s.dialog as Extract<Dialog, { kind: typeof kind }>;
      return { dialog: { ...d, ...fn(d) } as Dialog };
    }),
  closeDialog: () => set({ dialog: null }),
});
