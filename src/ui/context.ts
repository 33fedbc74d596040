// What the component tree shares: the store, the runner façade, the bridge and the display options.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { QueueApi } from '../runner/types.ts';
import type { Bridge } from './bridge.ts';
import type { LegacyAdapter } from '../legacy/types.ts';
import type { KeymapOptions } from './keys/keymap.ts';
import type { DashboardState, DashboardStore } from './store/index.ts';

export interface DashboardContextValue {
  store: DashboardStore;
  api: QueueApi;
  bridge: Bridge;
  legacy: LegacyAdapter | null;
  keymap: KeymapOptions;
  readonly: boolean;
  watching: boolean;
  runnerLabel: string | null;
  /** the cleanup's default age, in days */
  retentionDays: number;
  ifdbTables: (() => Promise<Record<string, string[]>>) | null;
}

export const DashboardContext = createContext<DashboardContextValue | null>(null);

export function useDashboardContext(): DashboardContextValue {
  const value = useContext(DashboardContext);
  if (!value) throw new Error('dashboard components must be rendered inside <DashboardContext>');
  return value;
}

/** Selects from the store; the selector must return a primitive or a stable reference (wrap others in useShallow). */
export function useDashboard<T>(selector: (state: DashboardState) => T): T {
  return useStore(useDashboardContext().store, selector);
}
