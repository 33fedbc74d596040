// Secrets: the DATABASE_URL password (checked by PostgreSQL with SCRAM, on a cluster of the test's own)
// and the Discord webhook token never appear in a log line, an error, the daemon's output, `status`,
// `check`, `jobs --json`, `job`, the metrics, the dashboard's screen, or the rows the runner stores —
// also when connecting fails (wrong password, closed port, missing database, unencoded URL).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import getPort from 'get-port';
import pg from 'pg';
import { Runner } from '../../src/runner/runner.ts';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { discordTasks } from '../../src/tasks/discord/index.ts';
import { loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { seedGame, seedRobot } from '../tasks/discord/seed.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { Children, type Child } from '../fault/harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from '../fault/harness/cluster.ts';
import { waitFor } from '../fault/harness/common.ts';
import { mount } from '../ui/harness.ts';
import type { FakeRunner } from '../ui/fake-runner.ts';

const PASSWORD = 'Pw-7Kx2#vault:Q@tail9zz';
const TOKEN = 'TOKEN-zz9-discord-secret-abcdef0123';
const HOOK_PATH = `/api/webhooks/998877/${TOKEN}`;
/** Distinctive pieces of both secrets: any of them in any encoding's output is a leak. */
const MARKERS = ['vault', '7Kx2', 'tail9zz', 'discord-secret', 'abcdef0123'];

function leaks(text: string): string[] {
  return MARKERS.filter((m) => text.includes(m)).map((m) => `${m} in ${JSON.stringify(text.slice(Math.max(0, text.indexOf(m) - 60), text.indexOf(m) + 40))}`);
}

function assertNoLeak(label: string, text: string) {
  assert.deepEqual(leaks(text), [], `${label} leaks a secret`);
}

let cluster: PgCluster;
let db: FaultDatabase;
let databaseUrl: string;
let hook: LocalServer;
let gameId: number;
const children = new Children();
const outputOf = (c: Child) => `${c.lines.join('\n')}\n${c.stderr()}`;

async function cli(args: string[], env: Record<string, string>): Promise<{ output: string; code: number | null }> {
  const child = children.spawnCli(args.join(' '), args, env);
  const exit = await child.exited;
  return { output: outputOf(child), code: exit.code };
}

before(async () => {
  cluster = await startCluster();
  await cluster.addPasswordRole('ifdb', PASSWORD);
  db = await clusterDatabase(cluster, 'secrets');
  await loadIfdbSchema(db as unknown as TestDatabase);
  await seedRobot(db as unknown as TestDatabase);
  gameId = await seedGame(db as unknown as TestDatabase, { title: 'Секретная игра', description: 'описание' });
  databaseUrl = `postgres://ifdb:${encodeURIComponent(PASSWORD)}@127.0.0.1:${cluster.port}/secrets`;
  // The webhook answers 500 and echoes its token, as a misbehaving proxy might.
  hook = await startLocalServer({
    [HOOK_PATH]: (_request: http.IncomingMessage, response: http.ServerResponse) =>
      response.writeHead(500, { 'content-type': 'application/json' }).end(`{"message":"invalid webhook ${HOOK_PATH}","token":"${TOKEN}"}`),
  });
});

after(async () => {
  await children.stopAll();
  await hook?.close();
  await db?.close();
  await cluster?.destroy();
});

describe('secrets', () => {
  test('the password is really checked: a wrong one is refused', async () => {
    const client = new pg.Client({ connectionString: databaseUrl.replace(encodeURIComponent(PASSWORD), 'nope') });
    client.on('error', () => {});
    await assert.rejects(client.connect(), /password authentication failed/);
    await client.end().catch(() => {});
  });

  test('daemon output, CLI status/check/jobs/job, metrics and stored rows never carry the password or the webhook token', async (t) => {
    const env = {
      DATABASE_URL: databaseUrl,
      IFQUEUE_DISCORD_WEBHOOK: `${hook.origin}${HOOK_PATH}`,
      IFQUEUE_ALLOW_HOSTS: '127.0.0.1',
      IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '5',
    };
    const metricsPort = await getPort();
    const daemon = children.spawnCli('daemon', ['--daemon', '--queues', 'post-to-discord', '--metrics-port', String(metricsPort)], env);
    await daemon.waitForLine(/ifqueue daemon running/, 90_000);
    const enqueued = await cli(['enqueue', 'post-to-discord', '--args', JSON.stringify({ gameId })], env);
    assert.equal(enqueued.code, 0, enqueued.output);
    const id = enqueued.output.trim().split('\n')[0];
    await waitFor('the post to fail against the webhook', async () => {
      const { rows } = await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [id]);
      return rows[0] && rows[0].outcome === 'failed';
    }, 60_000);
    assert.ok(hook.totalHits() >= 1, 'the webhook was called with its token');

    const surfaces: Record<string, string> = { enqueue: enqueued.output };
    for (const args of [['status'], ['status', '--json'], ['check', '--no-require-runner'], ['jobs'], ['jobs', '--json'], ['job', id], ['job', id, '--json'], ['schedules', 'list']]) {
      const r = await cli(args, env);
      assert.equal(r.code === 0 || args[0] === 'check', true, `${args.join(' ')}: ${r.output}`);
      surfaces[args.join(' ')] = r.output;
    }
    assert.match(surfaces['status'], /ifdb:\*\*\*@127\.0\.0\.1/, 'status shows the database with its password masked');
    assert.match(surfaces['job ' + id], /HTTP 500/, 'the failure itself is shown');

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^ifqueue_\w+/m, 'the metrics endpoint answered with ifqueue metrics');
    surfaces['metrics'] = metrics;
    daemon.kill('SIGTERM');
    await daemon.exited;
    surfaces['daemon'] = outputOf(daemon);

    // Every row the runner and pg-boss keep (jobs, outputs, attempts, logs, runners, schedules).
    const { rows: tables } = await db.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('ifqueue', 'pgboss') AND table_type = 'BASE TABLE'`);
    for (const { table_schema, table_name } of tables) {
      const { rows } = await db.query(`SELECT t::text AS row FROM ${table_schema}.${table_name} t`);
      surfaces[`${table_schema}.${table_name}`] = rows.map((r) => r.row).join('\n');
    }
    const found = Object.entries(surfaces).flatMap(([label, text]) => leaks(text).map((l) => `${label}: ${l}`));
    assert.deepEqual(found, [], 'no surface carries a secret');
    t.diagnostic(`checked ${Object.keys(surfaces).length} surfaces: ${Object.keys(surfaces).join(', ')}`);
  });

  test('failed connections (wrong password, closed port, missing database, unencoded URL) report errors without the password', async (t) => {
    const closed = await getPort();
    const withPassword = (password: string, port = cluster.port, database = 'secrets') => `postgres://ifdb:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    const cases: Record<string, string> = {
      'wrong password': withPassword('wrong-vault-7Kx2'),
      'closed port': withPassword(PASSWORD, closed),
      'missing database': withPassword(PASSWORD, cluster.port, 'no_such_db'),
      'unencoded special characters': `postgres://ifdb:${PASSWORD}@127.0.0.1:${cluster.port}/secrets`,
      'password as a parameter, wrong database': `postgres://ifdb@127.0.0.1:${cluster.port}/no_such_db?password=${encodeURIComponent(PASSWORD)}`,
    };
    const lines: string[] = [];
    const found: string[] = [];
    for (const [label, url] of Object.entries(cases)) {
      for (const args of [['status'], ['check'], ['--database-url', url, 'jobs']]) {
        const r = await cli(args, args[0] === '--database-url' ? { DATABASE_URL: '' } : { DATABASE_URL: url });
        found.push(...leaks(r.output).map((l) => `${label}, ${args[0]}: ${l}`));
        assert.notEqual(r.code, 0, `${label}: ${args[0]} fails`);
        assert.ok(r.output.trim().length > 0, `${label}: ${args[0]} says why`);
        if (args[0] === 'status') lines.push(`${label}: ${r.output.trim().split('\n')[0]}`);
      }
    }
    const ok = await cli(['status'], { DATABASE_URL: `postgres://ifdb@127.0.0.1:${cluster.port}/secrets?password=${encodeURIComponent(PASSWORD)}` });
    assert.equal(ok.code, 0, ok.output);
    found.push(...leaks(ok.output).map((l) => `password as a parameter, status: ${l}`));
    for (const line of lines) t.diagnostic(line);
    assert.deepEqual(found, [], 'no error message carries any part of the password');
  });

  test('the dashboard on a real runner never shows the password or the token', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    pool.on('error', () => {});
    const config = loadTasksConfig({ IFQUEUE_DISCORD_WEBHOOK: `${hook.origin}${HOOK_PATH}`, IFQUEUE_ALLOW_HOSTS: '127.0.0.1' });
    const runner = new Runner({ databaseUrl, tasks: discordTasks({ pool, config }), kind: 'test', work: false, register: false, poolSize: 2, onError: () => {} });
    await runner.start();
    const h = mount({ api: runner as unknown as FakeRunner, env: {} });
    try {
      await h.waitFor('● live', 15_000);
      await h.waitFor('post-to-discord', 15_000);
      for (const [i, frame] of h.stdout.frames.entries()) assertNoLeak(`frame ${i}`, frame);
      assertNoLeak('database', runner.database);
    } finally {
      await h.close();
      await runner.stop({ timeoutMs: 1000 });
      await pool.end();
    }
  });
});
