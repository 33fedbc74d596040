// The root key handler: each key goes to the topmost layer (dialog → help → filter → screen); a layer returns true when it used the key.
import type { ActionContext } from '../actions/context.ts';
import type { KeyPress } from './key-name.ts';
import type { KeymapOptions } from './keymap.ts';
import { dialogLayer } from './dialog-keys.ts';
import { helpLayer, filterLayer } from './overlay-keys.ts';
import { screenLayer } from './screen-keys.ts';

export interface DispatchContext extends ActionContext {
  keymap: KeymapOptions;
  /** terminal rows, for page sizes */
  rows(): number;
  columns(): number;
  /** graceful quit (Ctrl+C, or q at the top) */
  quit(): void;
}

export type Layer = (ctx: DispatchContext, key: KeyPress) => boolean;

const LAYERS: readonly Layer[] = [dialogLayer, helpLayer, filterLayer, screenLayer];

export function dispatch(ctx: DispatchContext, key: KeyPress): void {
  if (key.name === 'ctrl+c') {
    ctx.quit();
    return;
  }
  const s = ctx.store.getState();
  if (s.quitting) return;
  // Start-up notes have been seen once a key is pressed; the key still does its job.
  if (s.notes.length) s.setNotes([]);
  // An error or a refusal stays on the flash line until the next key.
  if (s.flash?.kind === 'error' || s.flash?.kind === 'warn') s.clearFlash(s.flash.seq);
  for (const layer of LAYERS) if (layer(ctx, key)) return;
}
