// One source of truth for IFDB's function → task table: the drop-in's embedded copy is what the
// generator makes from src/legacy/command-map.ts, and the Python mapping reads every call exactly as
// the legacy bridge does (same task, same arguments, same refusals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mapLegacyCommand } from '../../src/legacy/command-map.ts';
import { DROP_IN_PATH, withCurrentTable } from '../../scripts/ifdb/task-map.ts';
import { pythonJsonDumps } from '../fixtures/legacy/python-json.ts';
import { runPython } from './support.ts';

test("the drop-in's table is the one generated from the bridge's (npm run gen:ifdb-task-map)", () => {
  const source = readFileSync(DROP_IN_PATH, 'utf8');
  assert.equal(withCurrentTable(source), source, 'integrations/ifdb/taskqueue.py is stale: run npm run gen:ifdb-task-map');
  const mutated = source.replace('"task": "clone-file"', '"task": "clone-files"');
  assert.notEqual(withCurrentTable(mutated), mutated, 'an edited copy is detected');
});

type Call = [string, unknown[], Record<string, unknown>];
const calls: Call[] = [
  ['games.tasks.uploads.CloneFile', [123], {}],
  ['games.tasks.uploads.CloneFile', ['77'], {}],
  ['games.tasks.uploads.CloneFile', [], {}],
  ['games.tasks.uploads.CloneFile', [1, 2], {}],
  ['games.tasks.uploads.CloneFile', [-3], {}],
  ['games.tasks.uploads.CloneFile', [1.5], {}],
  ['games.tasks.uploads.CloneFile', ['x'], {}],
  ['games.tasks.uploads.CloneFile', ['0123'], {}],
  ['games.tasks.uploads.CloneFile', [null], {}],
  ['games.tasks.uploads.CloneFile', [true], {}],
  ['games.tasks.uploads.CloneFile', [9007199254740991], {}],
  ['games.tasks.uploads.CloneFile', [], { url_id: 5 }],
  ['games.tasks.uploads.RecodeGame', [45], {}],
  ['games.tasks.uploads.RecodeGame', [45], { force: true }],
  ['games.tasks.game_importer.ImportGames', [], {}],
  ['games.tasks.game_importer.ImportGames', [true], {}],
  ['games.tasks.game_importer.ImportGames', [false], {}],
  ['games.tasks.game_importer.ImportGames', [], { append_urls: true }],
  ['games.tasks.game_importer.ImportGames', [], { append_urls: false }],
  ['games.tasks.game_importer.ImportGames', [], { append_urls: null }],
  ['games.tasks.game_importer.ImportGames', [], { append_urls: 'yes' }],
  ['games.tasks.game_importer.ImportGames', [true], { append_urls: true }],
  ['games.tasks.game_importer.ImportGames', [null], {}],
  ['games.tasks.game_importer.ImportGames', [true, true], {}],
  ['games.tasks.game_importer.ImportGames', [], { other: 1 }],
  ['games.tasks.game_importer.ImportForceUpdateUrls', [], {}],
  ['games.tasks.game_importer.ForceReimport', [1], {}],
  ['core.feedfetcher.FetchFeeds', [], {}],
  ['core.feedfetcher.FetchFeeds', [], { now: true }],
  ['games.tasks.uploads.DeleteEverything', [1], {}],
];

const PYTHON_MAPPER = `
import json, sys
import taskqueue
out = []
for qualified, argv, kwarg in json.load(sys.stdin):
    try:
        task, args = taskqueue.map_call(qualified, tuple(argv), kwarg)
        out.append({"ok": True, "task": task, "args": args})
    except taskqueue.TaskQueueError as error:
        out.append({"ok": False, "reason": str(error)})
print(json.dumps(out))
`;

test('Python maps every call exactly as the legacy bridge does', async () => {
  const run = await runPython(['-c', PYTHON_MAPPER], { input: JSON.stringify(calls) });
  assert.equal(run.code, 0, run.stderr);
  const python = JSON.parse(run.stdout) as ({ ok: true; task: string; args: unknown } | { ok: false; reason: string })[];
  assert.equal(python.length, calls.length);
  let refused = 0;
  for (const [i, [qualified, argv, kwarg]] of calls.entries()) {
    const dot = qualified.lastIndexOf('.');
    const bridge = mapLegacyCommand(pythonJsonDumps({ module: qualified.slice(0, dot), name: qualified.slice(dot + 1), argv, kwarg }), null);
    const py = python[i];
    const what = `${qualified}(${JSON.stringify(argv)}, ${JSON.stringify(kwarg)})`;
    assert.equal(py.ok, bridge.ok, `${what}: bridge ${JSON.stringify(bridge)}, Python ${JSON.stringify(py)}`);
    if (bridge.ok && py.ok) {
      assert.equal(py.task, bridge.task, what);
      assert.deepEqual(py.args, bridge.args, what);
    } else if (!bridge.ok && !py.ok) {
      refused++;
      // Python adds the list of known functions to the unknown-function message
      assert.ok(py.reason === bridge.reason || py.reason.startsWith(`${bridge.reason} (`), `${what}: bridge "${bridge.reason}", Python "${py.reason}"`);
    }
  }
  assert.ok(refused >= 10, 'the corpus exercises refusals');
});

test('on-fail handlers map the same way', async () => {
  const run = await runPython(['-c', 'import taskqueue, json; print(json.dumps([taskqueue._on_fail_task("games.tasks.uploads.MarkBroken")]))']);
  assert.equal(run.code, 0, run.stderr);
  const bridge = mapLegacyCommand(pythonJsonDumps({ module: 'games.tasks.uploads', name: 'CloneFile', argv: [1], kwarg: {} }), pythonJsonDumps({ module: 'games.tasks.uploads', name: 'MarkBroken' }));
  assert.ok(bridge.ok);
  assert.deepEqual(JSON.parse(run.stdout), [bridge.onFail]);
});
