// The legacy screen's action: stop IFDB's old Python worker (the adapter comes from the cutover work).
import { confirm, report, type ActionContext } from './context.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { errorLine } from '../errors.ts';

export async function refreshLegacy(ctx: ActionContext): Promise<void> {
  if (!ctx.legacy) return;
  try {
    ctx.store.getState().setLegacy(await ctx.legacy.status());
  } catch (error) {
    ctx.store.getState().setLegacy(null, errorLine(error));
  }
}

export function stopLegacyWorker(ctx: ActionContext): void {
  const legacy = ctx.legacy;
  if (!legacy) return;
  const status = ctx.store.getState().legacy;
  const who = status?.workerPid ? `pid ${status.workerPid}${status.unit ? `, ${sanitizeLine(status.unit)}` : ''}` : 'the old worker';
  confirm(ctx, 'Stop the old worker', `Stop the legacy queue worker (${who})?`, async () => {
    await report(ctx, 'Stopping the old worker…', async () => {
      const result = await legacy.stopWorker((message) => ctx.store.getState().showFlash('progress', sanitizeLine(message)));
      await refreshLegacy(ctx);
      return sanitizeLine(result);
    });
  }, 'Its running task finishes first; legacy rows stay in the table.');
}
