// Captures the statements a read-side call sends and runs each under EXPLAIN (ANALYZE, BUFFERS).
import type pg from 'pg';

export interface Captured {
  text: string;
  values: unknown[];
}

/** A pool stand-in that records statements and forwards them. */
export function recordingPool(pool: pg.Pool, into: Captured[]): pg.Pool {
  return {
    query: (text: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
      const t = typeof text === 'string' ? text : text.text;
      const v = typeof text === 'string' ? (values ?? []) : (text.values ?? values ?? []);
      into.push({ text: t, values: v });
      return pool.query(t, v as unknown[]);
    },
    // transactions (the job counts' compaction) are passed through, not recorded
    connect: () => pool.connect(),
  } as unknown as pg.Pool;
}

export interface Explained {
  planningMs: number;
  executionMs: number;
  sharedHit: number;
  sharedRead: number;
  plan: unknown;
}

export async function explain(pool: pg.Pool, statement: Captured): Promise<Explained> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, statement.values as unknown[]);
  const root = rows[0]['QUERY PLAN'][0];
  return {
    planningMs: root['Planning Time'],
    executionMs: root['Execution Time'],
    sharedHit: root.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: root.Plan['Shared Read Blocks'] ?? 0,
    plan: root.Plan,
  };
}

/** A one-line summary of a plan's top nodes, for the console. */
export function planShape(plan: any, depth = 0): string {
  if (!plan || depth > 3) return '';
  const self = `${plan['Node Type']}${plan['Index Name'] ? ` ${plan['Index Name']}` : ''}${plan['Relation Name'] ? ` on ${plan['Relation Name']}` : ''}`;
  const kids = (plan.Plans ?? []).map((p: any) => planShape(p, depth + 1)).filter(Boolean);
  return kids.length ? `${self} < ${kids.join(', ')}` : self;
}
