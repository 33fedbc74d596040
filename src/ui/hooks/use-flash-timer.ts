// Done and note messages clear themselves after a few seconds; refusals and errors wait for the next key.
import { useEffect } from 'react';
import type { Flash } from '../store/flash-slice.ts';
import type { DashboardStore } from '../store/index.ts';

export const FLASH_INFO_MS = 3000;

export function useFlashTimer(store: DashboardStore, flash: Flash | null): void {
  useEffect(() => {
    if (flash?.kind !== 'info' && flash?.kind !== 'note') return;
    const timer = setTimeout(() => store.getState().clearFlash(flash.seq), FLASH_INFO_MS);
    return () => clearTimeout(timer);
  }, [store, flash]);
}
