// The one-line result of the last action: info (done) and notes clear by themselves; refusals and errors stay
// until the next key.
import type { SliceCreator } from './index.ts';

/** info: done (✓) · note: nothing to do (·) · warn: not done, and why (!) · error: failed (✗) · progress: under way (…) */
export type FlashKind = 'info' | 'note' | 'warn' | 'error' | 'progress';

export interface Flash {
  kind: FlashKind;
  text: string;
  /** distinguishes two equal messages, so a timer clears only its own */
  seq: number;
}

export interface FlashSlice {
  flash: Flash | null;
  showFlash(kind: FlashKind, text: string): void;
  /** clears the flash, or only flash number `seq` when given */
  clearFlash(seq?: number): void;
}

let flashSeq = 0;

export const createFlashSlice: SliceCreator<FlashSlice> = (set) => ({
  flash: null,
  showFlash: (kind, text) => set({ flash: { kind, text, seq: ++flashSeq } }),
  clearFlash: (seq) => set((s) => (seq === undefined || s.flash?.seq === seq ? { flash: null } : {})),
});
