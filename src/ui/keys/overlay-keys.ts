// Layers that sit over a screen without a dialog: the help screen and the job list's filter line.
import { commandFor, SCOPE_CHAINS } from './keymap.ts';
import { currentScreen } from '../store/view-slice.ts';
import { helpRows } from '../layout.ts';
import type { Layer } from './dispatch.ts';
import { helpLines } from './help-content.ts';

export const helpLayer: Layer = (ctx, key) => {
  const s = ctx.store.getState();
  if (!s.helpOpen) return false;
  const binding = commandFor(SCOPE_CHAINS.help, key.name, ctx.keymap);
  const page = helpRows(ctx.rows());
  const max = Math.max(0, helpLines(ctx.keymap).length - page);
  const scroll = (n: number) => s.setHelpScroll(Math.min(max, Math.max(0, n)));
  switch (binding?.command) {
    case 'back': s.setHelp(false); break;
    case 'up': scroll(s.helpScroll - 1); break;
    case 'down': scroll(s.helpScroll + 1); break;
    case 'pageUp': scroll(s.helpScroll - page); break;
    case 'pageDown': scroll(s.helpScroll + page); break;
    case 'top': scroll(0); break;
    case 'bottom': scroll(max); break;
  }
  return true;
};

export const filterLayer: Layer = (ctx, key) => {
  const s = ctx.store.getState();
  const draft = s.jobList.filterDraft;
  if (draft === null || currentScreen(s.stack).kind !== 'jobs') return false;
  const binding = commandFor(SCOPE_CHAINS.filter, key.name, ctx.keymap);
  if (binding?.command === 'keep') s.commitFilter();
  else if (binding?.command === 'clear') s.clearFilter();
  else if (key.name === 'backspace') s.setFilterDraft([...draft].slice(0, -1).join(''));
  else if (key.name === 'ctrl+u') s.setFilterDraft('');
  else if (key.text) s.setFilterDraft(draft + key.text);
  return true;
};
