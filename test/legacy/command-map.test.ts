// command_json / onfail_json as Django wrote them map to the right ifqueue task and arguments;
// anything else is refused with a reason that names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLegacyCommand } from '../../src/legacy/command-map.ts';
import { pythonJsonDumps } from '../fixtures/legacy/python-json.ts';

const cmd = (module: string, name: string, argv: unknown[] = [], kwarg: Record<string, unknown> = {}) => pythonJsonDumps({ module, name, argv, kwarg });
const MARK_BROKEN = pythonJsonDumps({ module: 'games.tasks.uploads', name: 'MarkBroken' });

test('every legacy function IFDB enqueues maps to its ifqueue task', () => {
  const cases: [string, string | null, string, Record<string, unknown>, string | null][] = [
    [cmd('games.tasks.uploads', 'CloneFile', [123]), MARK_BROKEN, 'clone-file', { urlId: 123 }, 'mark-broken'],
    [cmd('games.tasks.uploads', 'RecodeGame', [45]), null, 'recode-game', { gameUrlId: 45 }, null],
    [cmd('games.tasks.game_importer', 'ImportGames'), null, 'import-games', {}, null],
    [cmd('games.tasks.game_importer', 'ImportGames', [], { append_urls: true }), null, 'import-games', { appendUrls: true }, null],
    [cmd('games.tasks.game_importer', 'ImportGames', [], { append_urls: false }), null, 'import-games', {}, null],
    [cmd('games.tasks.game_importer', 'ImportForceUpdateUrls'), null, 'import-force-update-urls', {}, null],
    [cmd('games.tasks.game_importer', 'ForceReimport'), null, 'force-reimport', {}, null],
    [cmd('core.feedfetcher', 'FetchFeeds'), null, 'fetch-feeds', {}, null],
  ];
  for (const [command, onfail, task, args, onFail] of cases) {
    const m = mapLegacyCommand(command, onfail);
    assert.ok(m.ok, `${command}: ${!m.ok && m.reason}`);
    assert.equal(m.task, task);
    assert.deepEqual(m.args, args);
    assert.equal(m.onFail, onFail);
  }
});

test('Python json.dumps output with escaped non-ASCII and string ids is understood', () => {
  assert.equal(pythonJsonDumps({ a: 'Кащей' }), '{"a": "\\u041a\\u0430\\u0449\\u0435\\u0439"}');
  const m = mapLegacyCommand('{"module": "games.tasks.uploads", "name": "CloneFile", "argv": ["77"], "kwarg": {}}', null);
  assert.ok(m.ok);
  assert.deepEqual(m.args, { urlId: 77 });
});

test('malformed command_json is refused with the parse problem', () => {
  for (const bad of ['{"module": "games.tasks.uploads", "name": "CloneFile", "argv": [1', 'null', '[]', '{"name": "CloneFile"}', '{"module": "games.tasks.uploads", "name": "CloneFile", "argv": 5}']) {
    const m = mapLegacyCommand(bad, null);
    assert.equal(m.ok, false, bad);
    assert.match(!m.ok ? m.reason : '', /^malformed command_json/);
  }
});

test('unknown functions and handlers, and wrong arguments, are refused by name', () => {
  const unknown = mapLegacyCommand(cmd('games.tasks.uploads', 'DeleteEverything', [1]), null);
  assert.deepEqual(unknown, { ok: false, reason: 'unknown function games.tasks.uploads.DeleteEverything: ifqueue has no task for it' });
  const proto = mapLegacyCommand(cmd('games.tasks', 'constructor'), null);
  assert.equal(proto.ok, false);
  const handler = mapLegacyCommand(cmd('games.tasks.uploads', 'CloneFile', [1]), pythonJsonDumps({ module: 'games.tasks.uploads', name: 'Shrug' }));
  assert.match(!handler.ok ? handler.reason : '', /unknown on-fail handler games\.tasks\.uploads\.Shrug/);
  for (const argv of [[], [1, 2], [-3], [1.5], ['x'], [null]]) {
    const m = mapLegacyCommand(cmd('games.tasks.uploads', 'CloneFile', argv), null);
    assert.match(!m.ok ? m.reason : '', /CloneFile expects argv \[url_id\]/, JSON.stringify(argv));
  }
  const feeds = mapLegacyCommand(cmd('core.feedfetcher', 'FetchFeeds', [1]), null);
  assert.match(!feeds.ok ? feeds.reason : '', /FetchFeeds takes no arguments/);
  const imp = mapLegacyCommand(cmd('games.tasks.game_importer', 'ImportGames', [], { append_urls: 'yes' }), null);
  assert.equal(imp.ok, false);
});
