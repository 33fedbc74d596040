// Keys on the overview: the queue table and the actions on the selected queue.
import type { ScreenHandler } from './screen-keys.ts';
import { moveIndex } from './motion.ts';
import { bodyRows } from '../layout.ts';
import { openQueue } from '../actions/navigation.ts';
import { openCleanup, retryAllFailed, togglePause } from '../actions/job-actions.ts';
import { fetchFeeds, openEnqueue, openImport } from '../actions/enqueue-actions.ts';
import { refreshLegacy } from '../actions/legacy-actions.ts';

export const overviewKeys: ScreenHandler = (ctx, binding) => {
  const s = ctx.store.getState();
  const queues = s.snapshot?.queues ?? [];
  const queue = queues[Math.min(s.overviewIndex, queues.length - 1)];
  const moved = moveIndex(binding.command, s.overviewIndex, queues.length, Math.max(1, bodyRows(ctx.rows()) - 8));
  if (moved !== null) {
    s.setOverviewIndex(moved);
    return true;
  }
  switch (binding.command) {
    case 'open':
      if (queue) openQueue(ctx, queue);
      return true;
    case 'retryAll':
      if (queue) void retryAllFailed(ctx, queue.task, '');
      return true;
    case 'cleanup':
      openCleanup(ctx, null);
      return true;
    case 'pause':
      if (queue) void togglePause(ctx, queue.task, queue.paused);
      return true;
    case 'import':
      openImport(ctx);
      return true;
    case 'feeds':
      void fetchFeeds(ctx);
      return true;
    case 'enqueue':
      openEnqueue(ctx, queue?.task);
      return true;
    case 'schedules':
      s.setScheduleIndex(0);
      s.push({ kind: 'schedules' });
      return true;
    case 'legacy':
      s.push({ kind: 'legacy' });
      void refreshLegacy(ctx);
      return true;
    case 'refresh':
      ctx.bridge.refresh();
      return true;
    default:
      return false;
  }
};
