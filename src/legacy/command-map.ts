// Maps a legacy row's command_json / onfail_json (Python json.dumps of module, name, argv, kwarg)
// to an ifqueue task and its arguments. Anything unexpected is refused with a reason, never guessed.

export type CommandMapping =
  | { ok: true; task: string; args: Record<string, unknown>; onFail: string | null; call: string }
  | { ok: false; reason: string };

interface LegacyCall {
  module: string;
  name: string;
  argv: unknown[];
  kwarg: Record<string, unknown>;
}

/**
 * One parameter of a legacy Python function, and the ifqueue argument it becomes. The table below is
 * data so that IFDB's drop-in (integrations/ifdb/taskqueue.py) reads the very same table: its copy is
 * generated from this one (scripts/ifdb/task-map.ts) and a test fails when the two differ.
 */
export interface LegacyParam {
  /** the Python parameter, as error messages and keyword arguments name it */
  python: string;
  /** the ifqueue argument it becomes */
  arg: string;
  type: 'id' | 'boolean';
  /** may be passed by keyword (name=value) as well as positionally */
  keyword: boolean;
  /** the Python default: the parameter may be left out, and this value is left out of the arguments */
  default?: boolean;
}

export interface LegacyFunction {
  task: string;
  params: LegacyParam[];
}

/** Legacy `module.name` → ifqueue task. */
export const LEGACY_FUNCTIONS: Record<string, LegacyFunction> = {
  'games.tasks.uploads.CloneFile': { task: 'clone-file', params: [{ python: 'url_id', arg: 'urlId', type: 'id', keyword: false }] },
  'games.tasks.uploads.RecodeGame': { task: 'recode-game', params: [{ python: 'gameurl_id', arg: 'gameUrlId', type: 'id', keyword: false }] },
  'games.tasks.game_importer.ImportGames': {
    task: 'import-games',
    params: [{ python: 'append_urls', arg: 'appendUrls', type: 'boolean', keyword: true, default: false }],
  },
  'games.tasks.game_importer.ImportForceUpdateUrls': { task: 'import-force-update-urls', params: [] },
  'games.tasks.game_importer.ForceReimport': { task: 'force-reimport', params: [] },
  'core.feedfetcher.FetchFeeds': { task: 'fetch-feeds', params: [] },
};

/** Legacy on-fail handlers → ifqueue on-fail tasks. */
export const LEGACY_ON_FAIL: Record<string, string> = {
  'games.tasks.uploads.MarkBroken': 'mark-broken',
};

/** Binds a call's argv/kwarg to the function's parameters, as Python would, and converts each value. */
function mapCall(fn: LegacyFunction, c: LegacyCall): { task: string; args: Record<string, unknown> } | string {
  const refuse = () => `${c.name} ${expectation(fn)}, got ${describe(c)}`;
  const keywords = Object.keys(c.kwarg);
  if (c.argv.length > fn.params.length || keywords.some((k) => !fn.params.some((p) => p.keyword && p.python === k))) return refuse();
  const args: Record<string, unknown> = {};
  for (const [i, p] of fn.params.entries()) {
    const byKeyword = Object.hasOwn(c.kwarg, p.python) && c.kwarg[p.python] !== null;
    if (i < c.argv.length && Object.hasOwn(c.kwarg, p.python)) return refuse();
    const given = i < c.argv.length ? c.argv[i] : byKeyword ? c.kwarg[p.python] : undefined;
    if (given === undefined) {
      if (p.default === undefined) return refuse();
      continue;
    }
    const value = p.type === 'id' ? toId(given) : typeof given === 'boolean' ? given : null;
    if (value === null) return refuse();
    if (value !== p.default) args[p.arg] = value;
  }
  return { task: fn.task, args };
}

function expectation(fn: LegacyFunction): string {
  if (!fn.params.length) return 'takes no arguments';
  if (fn.params.every((p) => !p.keyword)) return `expects argv [${fn.params.map((p) => p.python).join(', ')}]`;
  return `expects ${fn.params.map((p) => (p.keyword ? `${p.python}=${p.type === 'boolean' ? 'true/false' : 'id'}` : p.python)).join(', ')} only`;
}

function toId(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return null;
}

function describe(c: LegacyCall): string {
  return `argv ${JSON.stringify(c.argv)} kwarg ${JSON.stringify(c.kwarg)}`.slice(0, 200);
}

function parseJson(text: string, column: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `malformed ${column}: ${(error as Error).message.split('\n')[0]}` };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseCall(text: string, column: string, needArguments: boolean): LegacyCall | string {
  const parsed = parseJson(text, column);
  if ('error' in parsed) return parsed.error;
  const v = parsed.value;
  if (!isRecord(v) || typeof v.module !== 'string' || typeof v.name !== 'string' || !v.module || !v.name) {
    return `malformed ${column}: expected {"module": ..., "name": ...}, got ${text.slice(0, 120)}`;
  }
  const argv = v.argv ?? [];
  const kwarg = v.kwarg ?? {};
  if (needArguments && (!Array.isArray(argv) || !isRecord(kwarg))) return `malformed ${column}: argv must be a list and kwarg an object`;
  return { module: v.module, name: v.name, argv: argv as unknown[], kwarg: kwarg as Record<string, unknown> };
}

export function mapLegacyCommand(commandJson: string, onfailJson: string | null): CommandMapping {
  const call = parseCall(commandJson, 'command_json', true);
  if (typeof call === 'string') return { ok: false, reason: call };
  const qualified = `${call.module}.${call.name}`;
  const fn = Object.hasOwn(LEGACY_FUNCTIONS, qualified) ? LEGACY_FUNCTIONS[qualified] : undefined;
  if (!fn) return { ok: false, reason: `unknown function ${qualified}: ifqueue has no task for it` };
  const mapped = mapCall(fn, call);
  if (typeof mapped === 'string') return { ok: false, reason: mapped };
  let onFail: string | null = null;
  if (onfailJson !== null && onfailJson.trim() !== '') {
    const handler = parseCall(onfailJson, 'onfail_json', false);
    if (typeof handler === 'string') return { ok: false, reason: handler };
    const name = `${handler.module}.${handler.name}`;
    onFail = Object.hasOwn(LEGACY_ON_FAIL, name) ? LEGACY_ON_FAIL[name] : null;
    if (!onFail) return { ok: false, reason: `unknown on-fail handler ${name}: ifqueue has no task for it` };
  }
  return { ok: true, task: mapped.task, args: mapped.args, onFail, call: `${call.name}(${[...call.argv.map((a) => JSON.stringify(a)), ...Object.entries(call.kwarg).map(([k, x]) => `${k}=${JSON.stringify(x)}`)].join(', ')})` };
}
