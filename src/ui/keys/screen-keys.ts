// Keys on the current screen, then the global ones (help, back/quit).
import { commandFor, SCOPE_CHAINS, type Binding } from './keymap.ts';
import { currentScreen } from '../store/view-slice.ts';
import type { DispatchContext, Layer } from './dispatch.ts';
import type { KeyPress } from './key-name.ts';
import { overviewKeys } from './overview-keys.ts';
import { jobsKeys } from './jobs-keys.ts';
import { jobKeys } from './job-keys.ts';
import { schedulesKeys, legacyKeys } from './schedule-keys.ts';

export type ScreenHandler = (ctx: DispatchContext, binding: Binding, key: KeyPress) => boolean;

const HANDLERS: Record<string, ScreenHandler> = {
  overview: overviewKeys,
  jobs: jobsKeys,
  job: jobKeys,
  schedules: schedulesKeys,
  legacy: legacyKeys,
};

export const screenLayer: Layer = (ctx, key) => {
  const s = ctx.store.getState();
  const kind = currentScreen(s.stack).kind;
  const binding = commandFor(SCOPE_CHAINS[kind], key.name, ctx.keymap);
  if (!binding) return false;
  if (binding.scope === 'global') return globalKeys(ctx, binding, key);
  return HANDLERS[kind](ctx, binding, key);
};

function globalKeys(ctx: DispatchContext, binding: Binding, key: KeyPress): boolean {
  const s = ctx.store.getState();
  switch (binding.command) {
    case 'help':
      s.setHelp(true);
      return true;
    case 'back':
      // Esc never quits; q at the top does.
      if (!s.pop() && key.name === 'q') ctx.quit();
      return true;
    case 'quit':
      ctx.quit();
      return true;
    default:
      return false;
  }
}
