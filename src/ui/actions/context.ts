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
  /** the cleanup's default age, in days (IFQUEUE_RETENTION_DAYS) */
  retentionDays: number;
  /** task → IFDB tables it needs that this database lacks, or null when nobody can tell */
  ifdbTables: (() => Promise<Record<string, string[]>>) | null;
}

/** An action that ran but changed nothing, and why ("Job … was not cancelled: it has already finished"). */
export interface Refusal {
  refused: string;
}

export function refused(text: string): Refusal {
  return { refused: text };
}

/**
 * Runs an action, reporting progress, then its result in the flash line: a tick only for what was done,
 * a warning for a refusal, the error otherwise. True when the action ran without an error.
 */
export async function report(ctx: ActionContext, progress: string, action: () => Promise<string | Refusal>): Promise<boolean> {
  const { showFlash } = ctx.store.getState();
  showFlash('progress', progress);
  try {
    const result = await action();
    if (typeof result === 'string') ctx.store.getState().showFlash('info', result);
    else ctx.store.getState().showFlash('warn', result.refused);
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
