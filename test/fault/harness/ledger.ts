// The oracle of the fault suite: after a scenario, every key the test enqueued is reconciled against
// the ledger (fault.run, fault.effect) and pg-boss's job table, and the result is printed as a table.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { LEDGER_SCHEMA } from '../../fixtures/fault/ledger-tasks.ts';

/** the fixture tasks whose jobs carry a ledger key in their arguments */
export const LEDGER_TASKS = ['ledger-work', 'ledger-log', 'ledger-exec', 'poison'];

export type Query = (text: string, values?: unknown[]) => Promise<{ rows: any[] }>;

export interface Reconciled {
  scenario: string;
  enqueued: number;
  /** jobs whose pg-boss state is completed */
  completed: number;
  /** keys with at least one recorded run */
  ran: number;
  /** keys whose effect landed (at most one row per key by construction) */
  effects: number;
  /** runs beyond the first, summed over all keys */
  extraRuns: number;
  /** effects attempted again after they had landed (absorbed by the unique key) */
  replays: number;
  /** keys with more than one job (an enqueue that was duplicated) */
  duplicated: number;
  failed: number;
  /** keys whose effect never landed */
  lost: number;
}

export async function installLedger(query: Query): Promise<void> {
  await query(LEDGER_SCHEMA);
}

export async function reconcile(query: Query, scenario: string, keys: string[], bossSchema = 'pgboss'): Promise<Reconciled> {
  const { rows } = await query(
    `WITH k AS (SELECT DISTINCT unnest($1::text[]) AS key),
          runs AS (SELECT key, count(*)::int AS n FROM fault.run WHERE key = ANY($1::text[]) GROUP BY key),
          jobs AS (
            SELECT j.data->>'key' AS key, count(*)::int AS n,
                   bool_or(j.state = 'completed') AS completed, bool_or(j.state = 'failed') AS failed
            FROM ${bossSchema}.job j
            WHERE j.name = ANY($2::text[]) AND j.data->>'key' = ANY($1::text[]) GROUP BY 1
          )
     SELECT count(*)::int AS enqueued,
            count(*) FILTER (WHERE jobs.completed)::int AS completed,
            count(*) FILTER (WHERE runs.n >= 1)::int AS ran,
            count(e.key)::int AS effects,
            coalesce(sum(greatest(runs.n - 1, 0)), 0)::int AS extra_runs,
            coalesce(sum(e.replays), 0)::int AS replays,
            count(*) FILTER (WHERE jobs.n > 1)::int AS duplicated,
            count(*) FILTER (WHERE jobs.failed)::int AS failed,
            count(*) FILTER (WHERE e.key IS NULL)::int AS lost
       FROM k LEFT JOIN runs USING (key) LEFT JOIN fault.effect e USING (key) LEFT JOIN jobs USING (key)`,
    [keys, LEDGER_TASKS],
  );
  const r = rows[0];
  return {
    scenario,
    enqueued: r.enqueued,
    completed: r.completed,
    ran: r.ran,
    effects: r.effects,
    extraRuns: r.extra_runs,
    replays: r.replays,
    duplicated: r.duplicated,
    failed: r.failed,
    lost: r.lost,
  };
}

/** Keys that are not done yet (no effect or job not completed), for waiting on a drain. */
export async function unfinished(query: Query, keys: string[], bossSchema = 'pgboss'): Promise<number> {
  const { rows } = await query(
    `WITH k AS (SELECT DISTINCT unnest($1::text[]) AS key),
          done AS (SELECT DISTINCT j.data->>'key' AS key FROM ${bossSchema}.job j WHERE j.name = ANY($2::text[]) AND j.state = 'completed')
     SELECT count(*) FILTER (WHERE e.key IS NULL OR d.key IS NULL)::int AS n
       FROM k LEFT JOIN fault.effect e USING (key) LEFT JOIN done d USING (key)`,
    [keys, LEDGER_TASKS],
  );
  return rows[0].n;
}

const COLUMNS: [keyof Reconciled, string][] = [
  ['scenario', 'scenario'],
  ['enqueued', 'enqueued'],
  ['completed', 'completed'],
  ['ran', 'ran>=1'],
  ['effects', 'effects'],
  ['extraRuns', 'extra runs'],
  ['replays', 'replays absorbed'],
  ['duplicated', 'dup jobs'],
  ['failed', 'failed'],
  ['lost', 'lost'],
];

export function formatTable(rows: Reconciled[]): string[] {
  const cells = [COLUMNS.map((c) => c[1]), ...rows.map((r) => COLUMNS.map(([k]) => String(r[k])))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | '));
}

/** Prints lines in the test output (and appends them to $FAULT_REPORT when set). */
export function report(t: TestContext, lines: string[]): void {
  for (const line of lines) t.diagnostic(line);
  if (process.env.FAULT_REPORT) appendFileSync(process.env.FAULT_REPORT, lines.join('\n') + '\n');
}

/** The common verdict: everything enqueued ran, completed, and had its effect exactly once; nothing duplicated or lost. */
export function assertNothingLost(r: Reconciled): void {
  assert.equal(r.lost, 0, `${r.scenario}: ${r.lost} job(s) lost`);
  assert.equal(r.effects, r.enqueued, `${r.scenario}: effects`);
  assert.equal(r.ran, r.enqueued, `${r.scenario}: every job ran at least once`);
  assert.equal(r.completed, r.enqueued, `${r.scenario}: every job completed`);
  assert.equal(r.duplicated, 0, `${r.scenario}: no enqueue was duplicated`);
}
