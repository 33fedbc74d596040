// What every action needs: the runner façade, the store, the bridge (to refresh after a change) and the options.
import type { QueueApi } from '../../runner/types.ts';
import type { Bridge } from '../bridge.ts';
import type { LegacyAdapter } from '../../legacy/types.ts';
import type { DashboardStore } from '../store/index.ts';
import { errorLine } from '../errors.ts';

export interface ActionContext {
  api: QueueApi;
  store: DashboardStore;
  bridge: Bridge;
  readonly: boolean;
  legacy: LegacyAdapter | null;
}

/** Runs an action, reporting progress, then its result or its error, in the flash line. */
export async function report(ctx: ActionContext, progress: string, action: () => Promise<string>): Promise<boolean> {
  const { showFlash } = ctx.store.getState();
  showFlash('progress', progress);
  try {
    const message = await action();
    ctx.store.getState().showFlash('info', message);
    ctx.bridge.refresh();
    return true;
  } catch (error) {
    reportError(ctx, error);
    return false;
  }
}

export function reportError(ctx: ActionContext, error: unknown): void {
  ctx.store.getState().showFlash('error', errorLine(error));
}

/** Asks first; the confirm layer runs `onConfirm` on Enter and closes. */
export function confirm(ctx: ActionContext, title: string, message: string, onConfirm: () => Promise<void>, detail?: string): void {
  ctx.store.getState().openDialog({ kind: 'confirm', title, message, detail, busy: false, onConfirm });
}
