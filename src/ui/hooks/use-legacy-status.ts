// Reads the legacy queue's status while something shows it: often on its own screen, rarely on the overview.
import { useEffect } from 'react';
import type { ActionContext } from '../actions/context.ts';
import { refreshLegacy } from '../actions/legacy-actions.ts';

export function useLegacyStatus(ctx: ActionContext, intervalMs: number): void {
  useEffect(() => {
    if (!ctx.legacy || intervalMs <= 0) return;
    void refreshLegacy(ctx);
    const timer = setInterval(() => void refreshLegacy(ctx), intervalMs);
    return () => clearInterval(timer);
  }, [ctx, intervalMs]);
}
