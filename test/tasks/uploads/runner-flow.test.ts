// The upload tasks under the real runner: recode-game waits for clone-file through a dependency,
// and a permanently failing clone-file runs mark-broken at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Runner } from '../../../src/runner/runner.ts';
import { createHttpClient } from '../../../src/tasks/http/index.ts';
import { uploadTasks } from '../../../src/tasks/uploads/index.ts';
import { RunnerPool, waitFor } from '../../runner/support.ts';
import { startLocalServer, type LocalServer } from '../http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../http/test-config.ts';
import { ifdbFixture, insertGame, insertGameUrl, insertUrl, type IfdbFixture } from './fixtures.ts';

let server: LocalServer;
let setup: TestConfig;
let ifdb: IfdbFixture;
let runners: RunnerPool;
let runner: Runner;

before(async () => {
  server = await startLocalServer({
    '/games/quest.qst': (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(iconv.encode(':start\npln Здравствуй\nend\n', 'windows-1251')),
    '/games/missing.zip': (_q, res) => res.writeHead(404).end(),
  });
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('uploads_runner');
  runners = new RunnerPool(ifdb.db);
  const tasks = uploadTasks({ pool: ifdb.pool, config: setup.config }, createHttpClient(setup.config));
  runner = await runners.start(tasks);
});

after(async () => {
  await runners.stopAll();
  await server.close();
  await ifdb.close();
  await setup.cleanup();
});

describe('upload tasks under the runner', () => {
  test('recode-game of an uncloned URL clones it first, then recodes', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/games/quest.qst') });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool, 'Квест', ['DosURQ']), urlId);
    await runner.enqueue('recode-game', { gameUrlId }, { name: `RecodeGame(${gameUrlId})` });
    const row = await waitFor('the recode row', async () => {
      const { rows } = await ifdb.pool.query('SELECT * FROM games_interpretedgameurl WHERE original_id = $1 AND recoded_filename IS NOT NULL', [gameUrlId]);
      return rows[0];
    });
    assert.equal(row.configuration_json, '{"interpreter": "urqw", "variant": "dosurq"}');
    assert.equal(await readFile(path.join(setup.config.filesDir, 'recodes', row.recoded_filename), 'utf8'), ':start\npln Здравствуй\nend\n');
    const url = (await ifdb.pool.query('SELECT local_filename FROM games_url WHERE id = $1', [urlId])).rows[0];
    assert.equal(url.local_filename, 'quest.qst');
    const clones = await runner.listJobs({ task: 'clone-file', search: `CloneUrl(${urlId})` });
    assert.equal(clones.jobs.length, 1);
    assert.equal(clones.jobs[0].state, 'completed');
    // the first attempt found no file and re-enqueued itself behind the clone; both end completed
    const recodes = await waitFor('both recode jobs completed', async () => {
      const page = await runner.listJobs({ task: 'recode-game', search: `RecodeGame(${gameUrlId})` });
      return page.jobs.every((j) => j.state === 'completed') ? page.jobs : null;
    });
    assert.equal(recodes.length, 2);
    assert.equal(recodes.filter((j) => j.dependsOn === clones.jobs[0].id).length, 1);
  });

  test('a clone-file that fails permanently marks its URL broken through mark-broken', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/games/missing.zip') });
    const id = await runner.enqueue('clone-file', { urlId }, { name: `CloneUrl(${urlId})` });
    await waitFor('is_broken', async () => (await ifdb.pool.query('SELECT is_broken FROM games_url WHERE id = $1', [urlId])).rows[0].is_broken);
    const job = await runner.getJob(id);
    assert.equal(job?.state, 'failed');
    assert.equal(job?.attempt, 1);
    assert.match(job?.error ?? '', /HTTP 404/);
    assert.deepEqual(runners.errors, []);
  });
});
