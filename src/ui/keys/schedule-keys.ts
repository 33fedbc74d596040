// Keys on the schedules screen and on the legacy screen.
import type { ScreenHandler } from './screen-keys.ts';
import { moveIndex } from './motion.ts';
import { scheduleListRows } from '../layout.ts';
import { deleteSchedule, openScheduleEditor, runScheduleNow, selectedSchedule, toggleSchedule } from '../actions/schedule-actions.ts';
import { refreshLegacy, stopLegacyWorker } from '../actions/legacy-actions.ts';

export const schedulesKeys: ScreenHandler = (ctx, binding) => {
  const s = ctx.store.getState();
  const count = s.snapshot?.schedules.length ?? 0;
  const moved = moveIndex(binding.command, s.scheduleIndex, count, scheduleListRows(ctx.rows()));
  if (moved !== null) {
    s.setScheduleIndex(moved);
    return true;
  }
  const schedule = selectedSchedule(ctx);
  switch (binding.command) {
    case 'add':
      openScheduleEditor(ctx, null);
      return true;
    case 'edit':
      if (schedule) openScheduleEditor(ctx, schedule);
      return true;
    case 'pause':
      if (schedule) void toggleSchedule(ctx, schedule);
      return true;
    case 'runNow':
      if (schedule) void runScheduleNow(ctx, schedule);
      return true;
    case 'delete':
      if (schedule) deleteSchedule(ctx, schedule);
      return true;
    default:
      return false;
  }
};

export const legacyKeys: ScreenHandler = (ctx, binding) => {
  switch (binding.command) {
    case 'stopWorker':
      stopLegacyWorker(ctx);
      return true;
    case 'refresh':
      void refreshLegacy(ctx);
      return true;
    default:
      return false;
  }
};
