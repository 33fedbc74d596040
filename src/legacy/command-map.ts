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

type Mapper = (call: LegacyCall) => { task: string; args: Record<string, unknown> } | string;

const noArguments =
  (task: string): Mapper =>
  (c) =>
    c.argv.length || Object.keys(c.kwarg).length ? `${c.name} takes no arguments, got ${describe(c)}` : { task, args: {} };

const oneId =
  (task: string, key: string, what: string): Mapper =>
  (c) => {
    const id = c.argv.length === 1 && !Object.keys(c.kwarg).length ? toId(c.argv[0]) : null;
    return id === null ? `${c.name} expects argv [${what}], got ${describe(c)}` : { task, args: { [key]: id } };
  };

const importGames: Mapper = (c) => {
  const extra = Object.keys(c.kwarg).filter((k) => k !== 'append_urls');
  const positional = c.argv.length === 1 ? c.argv[0] : undefined;
  const append = c.kwarg.append_urls ?? positional;
  if (extra.length || c.argv.length > 1 || (c.argv.length === 1 && 'append_urls' in c.kwarg) || (append !== undefined && typeof append !== 'boolean')) {
    return `ImportGames expects append_urls=true/false only, got ${describe(c)}`;
  }
  return { task: 'import-games', args: append ? { appendUrls: true } : {} };
};

/** Legacy `module.name` → ifqueue task. */
export const LEGACY_FUNCTIONS: Record<string, Mapper> = {
  'games.tasks.uploads.CloneFile': oneId('clone-file', 'urlId', 'url_id'),
  'games.tasks.uploads.RecodeGame': oneId('recode-game', 'gameUrlId', 'gameurl_id'),
  'games.tasks.game_importer.ImportGames': importGames,
  'games.tasks.game_importer.ImportForceUpdateUrls': noArguments('import-force-update-urls'),
  'games.tasks.game_importer.ForceReimport': noArguments('force-reimport'),
  'core.feedfetcher.FetchFeeds': noArguments('fetch-feeds'),
};

/** Legacy on-fail handlers → ifqueue on-fail tasks. */
export const LEGACY_ON_FAIL: Record<string, string> = {
  'games.tasks.uploads.MarkBroken': 'mark-broken',
};

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
  const mapper = Object.hasOwn(LEGACY_FUNCTIONS, qualified) ? LEGACY_FUNCTIONS[qualified] : undefined;
  if (!mapper) return { ok: false, reason: `unknown function ${qualified}: ifqueue has no task for it` };
  const mapped = mapper(call);
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
