// Which screen is showing and where the selection is on the list screens.
import type { SliceCreator } from './index.ts';

export type Screen =
  | { kind: 'overview' }
  | { kind: 'jobs' }
  | { kind: 'job'; id: string }
  | { kind: 'schedules' }
  | { kind: 'legacy' };

export interface QuitProgress {
  remainingSeconds: number;
  running: number;
}

export interface ViewSlice {
  /** screens from the overview (bottom) to the current one (top) */
  stack: Screen[];
  overviewIndex: number;
  scheduleIndex: number;
  helpOpen: boolean;
  helpScroll: number;
  /** set while a graceful quit is in progress */
  quitting: QuitProgress | null;
  /** start-up notes shown on the overview until the first key */
  notes: string[];
  setNotes(notes: string[]): void;
  push(screen: Screen): void;
  /** back one screen; false when already at the overview */
  pop(): boolean;
  setOverviewIndex(index: number): void;
  setScheduleIndex(index: number): void;
  setHelp(open: boolean): void;
  setHelpScroll(scroll: number): void;
  setQuitting(progress: QuitProgress | null): void;
}

export const createViewSlice: SliceCreator<ViewSlice> = (set, get) => ({
  stack: [{ kind: 'overview' }],
  overviewIndex: 0,
  scheduleIndex: 0,
  helpOpen: false,
  helpScroll: 0,
  quitting: null,
  notes: [],
  setNotes: (notes) => set({ notes }),
  push: (screen) => set((s) => ({ stack: [...s.stack, screen] })),
  pop: () => {
    if (get().stack.length <= 1) return false;
    set((s) => ({ stack: s.stack.slice(0, -1) }));
    return true;
  },
  setOverviewIndex: (overviewIndex) => set({ overviewIndex: Math.max(0, overviewIndex) }),
  setScheduleIndex: (scheduleIndex) => set({ scheduleIndex: Math.max(0, scheduleIndex) }),
  setHelp: (helpOpen) => set({ helpOpen, helpScroll: 0 }),
  setHelpScroll: (helpScroll) => set({ helpScroll: Math.max(0, helpScroll) }),
  setQuitting: (quitting) => set({ quitting }),
});

export function currentScreen(stack: readonly Screen[]): Screen {
  return stack[stack.length - 1] ?? { kind: 'overview' };
}
