// Moving between screens.
import type { QueueCounts, StateFilter } from '../../runner/types.ts';
import type { ActionContext } from './context.ts';

/** Opens a queue's jobs on the tab most likely wanted: failed, else active, else waiting. */
export function openQueue(ctx: ActionContext, queue: QueueCounts): void {
  const tab: StateFilter = queue.failed > 0 ? 'failed' : queue.active > 0 ? 'active' : 'waiting';
  const s = ctx.store.getState();
  s.openJobList(queue.task, tab);
  s.push({ kind: 'jobs' });
}

export function openJob(ctx: ActionContext, id: string): void {
  const s = ctx.store.getState();
  s.openDetail(id);
  s.push({ kind: 'job', id });
}
