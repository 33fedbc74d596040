// The keymap as data. The footer and the help screen are rendered from it, and key handling looks commands up in it.

export type Scope =
  | 'global'
  | 'list'
  | 'overview'
  | 'jobs'
  | 'job'
  | 'schedules'
  | 'legacy'
  | 'help'
  | 'confirm'
  | 'filter'
  | 'form'
  | 'picker';

export type Command =
  | 'quit'
  | 'help'
  | 'back'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'open'
  | 'prevTab'
  | 'nextTab'
  | 'tabNumber'
  | 'filter'
  | 'retry'
  | 'retryAll'
  | 'cancel'
  | 'cleanup'
  | 'pause'
  | 'delete'
  | 'import'
  | 'feeds'
  | 'enqueue'
  | 'schedules'
  | 'legacy'
  | 'follow'
  | 'pane'
  | 'stack'
  | 'prevAttempt'
  | 'nextAttempt'
  | 'add'
  | 'edit'
  | 'runNow'
  | 'stopWorker'
  | 'refresh'
  | 'yes'
  | 'no'
  | 'keep'
  | 'clear'
  | 'nextField'
  | 'prevField'
  | 'submit'
  | 'toggleDryRun'
  | 'toggle';

export interface Binding {
  command: Command;
  keys: readonly string[];
  label: string;
  scope: Scope;
  /** how the keys are shown, when not simply joined */
  display?: string;
  /** changes data: hidden with --readonly */
  action?: boolean;
  destructive?: boolean;
  bulk?: boolean;
  /**
   * Shown in the footer of its scope, by priority when not all fit (1 first): moving between screens and the
   * everyday actions before the rare and destructive ones, which stay one ? away (as lazygit and k9s do).
   */
  footer?: 1 | 2 | 3 | 4;
  /** the footer's shorter label, when the help screen's is too long for it */
  short?: string;
  /** only shown when a legacy adapter is present */
  legacy?: boolean;
}

const TAB_KEYS = ['1', '2', '3', '4', '5', '6', '7'];

export const KEYMAP: readonly Binding[] = [
  { scope: 'global', command: 'quit', keys: ['ctrl+c'], label: 'quit (graceful)', display: 'Ctrl+C' },
  { scope: 'global', command: 'help', keys: ['?'], label: 'help', footer: 1 },
  { scope: 'global', command: 'back', keys: ['escape', 'q'], label: 'back / quit at the top', display: 'Esc/q' },

  { scope: 'list', command: 'up', keys: ['k', 'up'], label: 'up', display: '↑/k' },
  { scope: 'list', command: 'down', keys: ['j', 'down'], label: 'down', display: '↓/j' },
  { scope: 'list', command: 'pageUp', keys: ['pageup'], label: 'page up', display: 'PgUp' },
  { scope: 'list', command: 'pageDown', keys: ['pagedown'], label: 'page down', display: 'PgDn' },
  { scope: 'list', command: 'top', keys: ['g', 'home'], label: 'top', display: 'g' },
  { scope: 'list', command: 'bottom', keys: ['G', 'end'], label: 'bottom', display: 'G' },

  { scope: 'overview', command: 'open', keys: ['enter'], label: 'jobs', display: 'Enter', footer: 1 },
  { scope: 'overview', command: 'retryAll', keys: ['R'], label: 'retry failed', short: 'retry', action: true, bulk: true, footer: 3 },
  { scope: 'overview', command: 'cleanup', keys: ['c'], label: 'cleanup', action: true, destructive: true, bulk: true, footer: 4 },
  { scope: 'overview', command: 'pause', keys: ['p'], label: 'pause/resume queue', short: 'pause', action: true, footer: 4 },
  { scope: 'overview', command: 'import', keys: ['i'], label: 'import', action: true, footer: 2 },
  { scope: 'overview', command: 'feeds', keys: ['f'], label: 'fetch feeds', short: 'feeds', action: true, footer: 2 },
  { scope: 'overview', command: 'enqueue', keys: ['n'], label: 'new job', short: 'new', action: true, footer: 2 },
  { scope: 'overview', command: 'schedules', keys: ['s'], label: 'schedules', footer: 2 },
  { scope: 'overview', command: 'legacy', keys: ['L'], label: 'legacy queue', short: 'legacy', footer: 2, legacy: true },
  { scope: 'overview', command: 'refresh', keys: ['ctrl+r'], label: 'refresh now', display: 'Ctrl+R' },

  { scope: 'jobs', command: 'open', keys: ['enter'], label: 'detail', display: 'Enter', footer: 1 },
  { scope: 'jobs', command: 'prevTab', keys: ['h', 'left', 'shift+tab'], label: 'previous tab', display: 'h/←' },
  { scope: 'jobs', command: 'nextTab', keys: ['l', 'right', 'tab'], label: 'next tab', display: 'l/→/Tab' },
  { scope: 'jobs', command: 'tabNumber', keys: TAB_KEYS, label: 'tab', display: '1–7', footer: 2 },
  { scope: 'jobs', command: 'filter', keys: ['/'], label: 'filter', footer: 2 },
  { scope: 'jobs', command: 'retry', keys: ['r'], label: 'retry', action: true, footer: 2 },
  { scope: 'jobs', command: 'retryAll', keys: ['R'], label: 'retry all', action: true, bulk: true, footer: 3 },
  { scope: 'jobs', command: 'cancel', keys: ['x'], label: 'cancel', action: true, footer: 3 },
  { scope: 'jobs', command: 'delete', keys: ['d'], label: 'delete', action: true, destructive: true, footer: 4 },
  { scope: 'jobs', command: 'pause', keys: ['p'], label: 'pause/resume queue', action: true },
  { scope: 'jobs', command: 'cleanup', keys: ['c'], label: 'cleanup queue', action: true, destructive: true, bulk: true },
  { scope: 'jobs', command: 'enqueue', keys: ['n'], label: 'new job', action: true },
  { scope: 'jobs', command: 'refresh', keys: ['ctrl+r'], label: 'refresh now', display: 'Ctrl+R' },

  { scope: 'job', command: 'follow', keys: ['F'], label: 'follow on/off', short: 'follow', footer: 2 },
  { scope: 'job', command: 'pane', keys: ['tab', 'l', 'h'], label: 'log / info', display: 'Tab', footer: 1 },
  { scope: 'job', command: 'stack', keys: ['e'], label: 'error stack of the attempt', short: 'stack', footer: 3 },
  { scope: 'job', command: 'prevAttempt', keys: ['['], label: 'previous attempt' },
  { scope: 'job', command: 'nextAttempt', keys: [']'], label: 'next attempt' },
  { scope: 'job', command: 'retry', keys: ['r'], label: 'retry', action: true, footer: 2 },
  { scope: 'job', command: 'cancel', keys: ['x'], label: 'cancel', action: true, footer: 3 },
  { scope: 'job', command: 'delete', keys: ['d'], label: 'delete', action: true, destructive: true, footer: 4 },

  { scope: 'schedules', command: 'add', keys: ['a'], label: 'add', action: true, footer: 2 },
  { scope: 'schedules', command: 'edit', keys: ['enter', 'e'], label: 'edit', display: 'Enter', action: true, footer: 1 },
  { scope: 'schedules', command: 'pause', keys: ['p'], label: 'pause/resume', short: 'pause', action: true, footer: 2 },
  { scope: 'schedules', command: 'runNow', keys: ['r'], label: 'run now', action: true, footer: 2 },
  { scope: 'schedules', command: 'delete', keys: ['d'], label: 'delete', action: true, destructive: true, footer: 3 },

  { scope: 'legacy', command: 'stopWorker', keys: ['S'], label: 'stop old worker', action: true, destructive: true, footer: 2 },
  { scope: 'legacy', command: 'refresh', keys: ['ctrl+r'], label: 'refresh now', display: 'Ctrl+R', footer: 3 },

  { scope: 'help', command: 'back', keys: ['escape', 'q', '?'], label: 'close help', display: 'Esc', footer: 1 },

  { scope: 'confirm', command: 'yes', keys: ['enter', 'y'], label: 'yes', display: 'Enter', footer: 1 },
  { scope: 'confirm', command: 'no', keys: ['escape', 'n'], label: 'no', display: 'Esc', footer: 1 },

  { scope: 'filter', command: 'keep', keys: ['enter'], label: 'keep filter', display: 'Enter', footer: 1 },
  { scope: 'filter', command: 'clear', keys: ['escape'], label: 'clear filter', display: 'Esc', footer: 1 },

  { scope: 'form', command: 'nextField', keys: ['tab', 'down'], label: 'next field', display: 'Tab/↓', footer: 1 },
  { scope: 'form', command: 'prevField', keys: ['shift+tab', 'up'], label: 'previous field', display: '↑' },
  { scope: 'form', command: 'submit', keys: ['enter'], label: 'submit', display: 'Enter', footer: 1 },
  { scope: 'form', command: 'no', keys: ['escape'], label: 'cancel', display: 'Esc', footer: 1 },
  { scope: 'form', command: 'toggle', keys: ['space'], label: 'switch a yes/no field (cleanup: failed too)', display: 'Space' },

  { scope: 'picker', command: 'up', keys: ['k', 'up'], label: 'up', display: '↑/k' },
  { scope: 'picker', command: 'down', keys: ['j', 'down'], label: 'down', display: '↓/j', footer: 1 },
  { scope: 'picker', command: 'toggleDryRun', keys: ['space', 'd'], label: 'dry-run on/off', display: 'Space', footer: 1 },
  { scope: 'picker', command: 'submit', keys: ['enter'], label: 'enqueue', display: 'Enter', footer: 1 },
  { scope: 'picker', command: 'no', keys: ['escape'], label: 'cancel', display: 'Esc', footer: 1 },
];

/** Scopes whose bindings apply on each screen or layer, most specific first. */
export const SCOPE_CHAINS: Readonly<Record<string, readonly Scope[]>> = {
  overview: ['overview', 'list', 'global'],
  jobs: ['jobs', 'list', 'global'],
  job: ['job', 'list', 'global'],
  schedules: ['schedules', 'list', 'global'],
  legacy: ['legacy', 'global'],
  help: ['help', 'list'],
  confirm: ['confirm'],
  filter: ['filter'],
  form: ['form'],
  picker: ['picker'],
};

export interface KeymapOptions {
  readonly?: boolean;
  legacy?: boolean;
}

export function visible(binding: Binding, options: KeymapOptions): boolean {
  if (options.readonly && binding.action) return false;
  if (binding.legacy && !options.legacy) return false;
  return true;
}

/** The command a key runs in a chain of scopes, honouring --readonly and the legacy option. */
export function commandFor(chain: readonly Scope[], key: string, options: KeymapOptions): Binding | undefined {
  for (const scope of chain) {
    const hit = KEYMAP.find((b) => b.scope === scope && b.keys.includes(key));
    if (hit) return visible(hit, options) ? hit : undefined;
  }
  return undefined;
}

export function bindingsOf(scope: Scope, options: KeymapOptions): Binding[] {
  return KEYMAP.filter((b) => b.scope === scope && visible(b, options));
}

export function keysLabel(binding: Binding): string {
  return binding.display ?? binding.keys.join('/');
}
