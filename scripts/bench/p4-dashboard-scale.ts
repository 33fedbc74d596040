// P4: the dashboard's read side with 1 000 000 jobs: EXPLAIN ANALYZE of the runner's refresh queries
// (snapshot counts, first page and count of each tab) vs pg-boss's getQueues(); then the real dashboard
// in a child process: Ink render time per screen, RSS, time to first frame.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { benchFlags } from './lib/cli.ts';
import { bundleRole, startChild } from './lib/child.ts';
import { createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { spread, wallMs, type Spread } from './lib/stats.ts';
import { explain, planShape, recordingPool, type Captured } from './lib/explain.ts';
import { seedFinishedInOneQueue, seedJobs } from './lib/seed-jobs.ts';
import { Runner } from '../../src/runner/runner.ts';
import { Queries } from '../../src/runner/queries.ts';
import { JobCounts } from '../../src/runner/job-counts.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { probeTask } from './lib/systems.ts';
import { logTask } from './lib/log-task.ts';
import type { JobFilter, StateFilter } from '../../src/runner/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** bin/ifqueue.js starts the dashboard with this V8 flag */
const DASHBOARD_HEAP_FLAG = '--max-semi-space-size=2';
const TABS: (StateFilter | undefined)[] = [undefined, 'waiting', 'scheduled', 'active', 'retry', 'failed', 'cancelled', 'completed'];

interface QueryRow {
  name: string;
  statements: number;
  /** client-side time of the whole call, over repetitions */
  callMs: Spread;
  /** sum over the call's statements of EXPLAIN ANALYZE execution + planning time, over repetitions */
  explainMs: Spread;
  shapes: string[];
}

async function measureCall(pool: import('pg').Pool, name: string, reps: number, call: (q: Queries) => Promise<unknown>): Promise<QueryRow> {
  const captured: Captured[] = [];
  const q = new Queries(recordingPool(pool, captured), 'pgboss');
  await call(q); // warm-up (also captures the statements)
  const statements = captured.splice(0);
  const callMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = wallMs();
    await call(q);
    callMs.push(wallMs() - t);
  }
  const explainMs: number[] = [];
  let shapes: string[] = [];
  for (let i = 0; i < reps; i++) {
    const ex = await Promise.all(statements.map((s) => explain(pool, s)));
    explainMs.push(ex.reduce((n, e) => n + e.executionMs + e.planningMs, 0));
    shapes = ex.map((e) => planShape(e.plan));
  }
  return { name, statements: statements.length, callMs: spread(callMs), explainMs: spread(explainMs), shapes };
}

async function main() {
  const flags = benchFlags();
  const total = flags.quick ? 100_000 : 1_000_000;
  const reps = Math.max(flags.reps, 3);
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const db = await createBenchDatabase('p4');
  const tasks = [...demoTasks, probeTask(() => {}), logTask];
  const setup = new Runner({ databaseUrl: db.url, tasks, work: false });
  await setup.start();
  await setup.stop();
  const seedStart = wallMs();
  await seedJobs(db.pool, tasks.map((t) => t.name), total);
  const seedSeconds = (wallMs() - seedStart) / 1000;
  console.log(`seeded ${total.toLocaleString('en-US')} jobs in ${fmt(seedSeconds)} s`);
  // a running daemon folds the job counters' deltas in every 30 s; start from that steady state
  const folded = await new JobCounts(db.pool, 'pgboss').compact();
  console.log(`folded ${folded.toLocaleString('en-US')} job-count deltas in`, fmt((wallMs() - seedStart) / 1000 - seedSeconds), 's');

  const names = tasks.map((t) => t.name);
  const rows: QueryRow[] = [];
  rows.push(await measureCall(db.pool, 'snapshot: queue counts', reps, (q) => q.queueCounts(names, new Set())));
  rows.push(await measureCall(db.pool, 'snapshot: runners', reps, (q) => q.runners(90)));
  for (const state of TABS) {
    for (const task of [undefined, 'demo-noop']) {
      const filter: JobFilter = { ...(task ? { task } : {}), ...(state ? { state } : {}) };
      rows.push(await measureCall(db.pool, `list first page: ${task ?? 'all tasks'} / ${state ?? 'all states'}`, reps, (q) => q.listJobs(filter, { limit: 100 })));
    }
  }
  rows.push(await measureCall(db.pool, 'list filtered: search "CloneUrl(12"', reps, (q) => q.listJobs({ search: 'CloneUrl(12' }, { limit: 100 })));
  rows.push(await measureCall(db.pool, 'count filtered: search "CloneUrl(12"', reps, (q) => q.countJobs({ search: 'CloneUrl(12' })));
  rows.push(await measureCall(db.pool, 'count filtered: demo-noop / failed + search', reps, (q) => q.countJobs({ task: 'demo-noop', state: 'failed', search: '404' })));

  const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, migrate: false } as any);
  boss.on('error', () => {});
  await boss.start();
  await boss.getQueues();
  const bossMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = wallMs();
    await boss.getQueues();
    bossMs.push(wallMs() - t);
  }
  await boss.stop({ graceful: false, close: true });
  rows.push({ name: "baseline: pg-boss getQueues() (cached counts)", statements: 1, callMs: spread(bossMs), explainMs: { min: NaN, median: NaN, max: NaN }, shapes: [] });

  // the dashboard, fresh processes: as `ifqueue` runs it (the role bundled by esbuild like dist/, with
  // the launcher's flag for the dashboard) and, as this benchmark measured before, through tsx
  const bundled = await bundleRole(path.join(here, 'roles', 'dashboard.ts'));
  const modes = [
    { name: 'bundle', label: 'as ifqueue runs it (bundle, --max-semi-space-size=2)', script: bundled, tsx: false, execArgv: [DASHBOARD_HEAP_FLAG] },
    { name: 'tsx', label: 'through tsx, default heap (how this benchmark ran before)', script: path.join(here, 'roles', 'dashboard.ts'), tsx: true, execArgv: [] },
  ];
  const dashboards: Record<string, any[]> = {};
  for (const mode of modes) {
    const dash: any[] = (dashboards[mode.name] = []);
    for (let i = 0; i < flags.reps; i++) {
      const child = startChild(mode.script, [db.url, '0'], { tsx: mode.tsx, execArgv: mode.execArgv });
      const report = await child.next<any>('report', 180_000);
      await child.stop();
      dash.push(report);
      const ms = report.renders.map((r: { ms: number }) => r.ms);
      console.log(`dashboard ${mode.name} ${i + 1}: first frame ${fmt(report.processStartToFirstFrameMs, 0)} ms after process start, with data ${fmt(report.processStartToFirstDataFrameMs, 0)} ms; renders ${ms.length}, max ${fmt(Math.max(...ms))} ms; RSS ${fmt(report.rssMB)} MB (peak ${fmt(report.maxRssMB)} MB)`);
    }
  }
  const dash = dashboards.bundle;
  const phases = [...new Set(dash.flatMap((d) => d.renders.map((r: { phase: string }) => r.phase)))] as string[];
  const renderRows = phases.map((p) => {
    const ms = dash.flatMap((d) => d.renders.filter((r: { phase: string }) => r.phase === p).map((r: { ms: number }) => r.ms));
    return [p, String(ms.length), fmt(spread(ms).median), fmt(Math.max(...ms))];
  });
  const renderTable = printTable(`P4 dashboard Ink render time per screen (all renders of ${flags.reps} runs, bundle), ms`, ['screen', 'renders', 'median', 'max'], renderRows);
  const startupOf = (list: any[]) => ({
    processStartToFirstFrameMs: spread(list.map((d) => d.processStartToFirstFrameMs)),
    mountToFirstFrameMs: spread(list.map((d) => d.mountToFirstFrameMs)),
    processStartToFirstDataFrameMs: spread(list.map((d) => d.processStartToFirstDataFrameMs)),
    processStartToMountMs: spread(list.map((d) => d.processStartToMountMs)),
    rssMB: spread(list.map((d) => d.rssMB)),
    maxRssMB: spread(list.map((d) => d.maxRssMB)),
  });
  const startups = Object.fromEntries(modes.map((m) => [m.name, startupOf(dashboards[m.name])]));
  const startup = startups.bundle;
  const startupTable = printTable(
    `P4 dashboard start and memory: median (min–max) over ${flags.reps} processes each`,
    ['measure', ...modes.map((m) => m.label)],
    [
      ['process start -> dashboard mounted (module loading), ms', ...modes.map((m) => fmtSpread(startups[m.name].processStartToMountMs, 0))],
      ['mount -> first frame, ms', ...modes.map((m) => fmtSpread(startups[m.name].mountToFirstFrameMs, 0))],
      ['process start -> first frame, ms', ...modes.map((m) => fmtSpread(startups[m.name].processStartToFirstFrameMs, 0))],
      ['process start -> first frame with counts, ms', ...modes.map((m) => fmtSpread(startups[m.name].processStartToFirstDataFrameMs, 0))],
      ['RSS after walking the screens, MB', ...modes.map((m) => fmtSpread(startups[m.name].rssMB))],
      ['peak RSS, MB', ...modes.map((m) => fmtSpread(startups[m.name].maxRssMB))],
    ],
  );
  // one busy queue: 200 000 more finished jobs in demo-sleep (the counts must not scan them)
  const busy = flags.quick ? 20_000 : 200_000;
  await seedFinishedInOneQueue(db.pool, 'demo-sleep', busy);
  await new JobCounts(db.pool, 'pgboss').compact();
  console.log(`added ${busy.toLocaleString('en-US')} finished jobs to demo-sleep`);
  rows.push(await measureCall(db.pool, `snapshot: queue counts, +${busy.toLocaleString('en-US')} finished in one queue`, reps, (q) => q.queueCounts(names, new Set())));
  for (const state of ['completed', undefined] as const) {
    rows.push(await measureCall(db.pool, `list first page: demo-sleep / ${state ?? 'all states'}, busy queue`, reps, (q) => q.listJobs({ task: 'demo-sleep', ...(state ? { state } : {}) }, { limit: 100 })));
  }

  const queryTable = printTable(
    `P4 refresh queries on ${total.toLocaleString('en-US')} jobs, ms: median (min–max) over ${reps} runs`,
    ['query', 'stmts', 'call', 'EXPLAIN ANALYZE (plan+exec)'],
    rows.map((r) => [r.name, String(r.statements), fmtSpread(r.callMs), fmtSpread(r.explainMs)]),
  );
  for (const r of rows) if (r.explainMs.median > 20) console.log(`  slow: ${r.name}: ${r.shapes.join(' | ')}`);

  const refresh = rows.filter((r) => !r.name.startsWith('baseline'));
  const worstQuery = refresh.reduce((a, b) => (b.explainMs.median > a.explainMs.median ? b : a));
  const allRenders = dash.flatMap((d) => d.renders.map((r: { ms: number }) => r.ms));
  const targets: BenchResult['targets'] = [
    { name: 'refresh query', target: '<= 20 ms each', measured: `worst ${worstQuery.name}: ${fmt(worstQuery.explainMs.median)} ms`, met: worstQuery.explainMs.median <= 20 },
    { name: 'render', target: '<= 16 ms', measured: `max ${fmt(Math.max(...allRenders))} ms, median ${fmt(spread(allRenders).median)} ms`, met: Math.max(...allRenders) <= 16 },
    { name: 'RSS', target: '<= 150 MB', measured: `peak ${fmt(startup.maxRssMB.median)} MB`, met: startup.maxRssMB.median <= 150 },
    { name: 'first frame', target: '<= 1 s', measured: `${fmt(startup.processStartToFirstFrameMs.median, 0)} ms from process start (${fmt(startup.processStartToFirstDataFrameMs.median, 0)} ms with counts)`, met: startup.processStartToFirstFrameMs.median <= 1000 },
  ];
  printTargets(targets);
  await db.drop();
  const file = await writeResult({
    id: 'p4',
    title: 'dashboard at a million jobs',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings: { jobs: total, seedSeconds, terminal: '120x40', repetitions: reps },
    results: { queries: rows, dashboard: dashboards, startup: startups },
    targets,
    table: [queryTable, renderTable, startupTable].join('\n'),
    notes: ['targets are checked on the bundled dashboard with the launcher\'s heap flag (what `ifqueue` runs); the tsx column is how this benchmark ran before'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
