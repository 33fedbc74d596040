// The dashboard's single vanilla store, built from typed slices; a function so every test gets a fresh one.
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import { createLiveSlice, type LiveSlice } from './live-slice.ts';
import { createViewSlice, type ViewSlice } from './view-slice.ts';
import { createJobsSlice, type JobsSlice } from './jobs-slice.ts';
import { createDetailSlice, type DetailSlice } from './detail-slice.ts';
import { createFlashSlice, type FlashSlice } from './flash-slice.ts';
import { createDialogSlice, type DialogSlice } from './dialog-slice.ts';

export type DashboardState = LiveSlice & ViewSlice & JobsSlice & DetailSlice & FlashSlice & DialogSlice;
export type DashboardStore = StoreApi<DashboardState>;
export type SliceCreator<T> = StateCreator<DashboardState, [], [], T>;

export function createDashboardStore(): DashboardStore {
  return createStore<DashboardState>()((...a) => ({
    ...createLiveSlice(...a),
    ...createViewSlice(...a),
    ...createJobsSlice(...a),
    ...createDetailSlice(...a),
    ...createFlashSlice(...a),
    ...createDialogSlice(...a),
  }));
}
