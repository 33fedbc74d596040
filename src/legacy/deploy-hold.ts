// Deploying beside a live old worker: while core_taskqueueelement has cron rows the old worker runs
// and bridging is off, ifqueue's default schedule for the same task would run it a second time. Such
// defaults are created paused; the bridge's conversion of the cron row (`legacy cutover`) resumes
// them with the production cron. The CLI wiring applies this when it creates the default schedules.
import type { Queryable } from '../runner/db.ts';
import { errorMessage } from '../runner/errors.ts';
import type { ScheduleInfo, ScheduleInput } from '../runner/types.ts';
import { sanitizeLine } from '../text/terminal.ts';
import { mapLegacyCommand } from './command-map.ts';
import { LEGACY_TABLE } from './options.ts';

export interface HeldCronRow {
  id: number;
  name: string | null;
  cron: string;
}

/** Task → the legacy cron rows the old worker still runs for it; empty when bridging is on or there is no legacy table. */
export type LegacyCronHold = Map<string, HeldCronRow[]>;

export async function legacyCronHold(db: Queryable): Promise<{ hold: LegacyCronHold; problem: string | null }> {
  const hold: LegacyCronHold = new Map();
  try {
    const { rows: present } = await db.query(
      `SELECT to_regclass($1) IS NOT NULL AS legacy, to_regclass('ifqueue.legacy_switch') IS NOT NULL AS switch`,
      [LEGACY_TABLE],
    );
    if (!present[0].legacy) return { hold, problem: null };
    if (present[0].switch) {
      const { rows } = await db.query(`SELECT enabled FROM ifqueue.legacy_switch WHERE id = 1`);
      if (rows[0]?.enabled) return { hold, problem: null };
    }
    // Live cron rows: re-armed (pending) or running now; a failed one ended its schedule, a converted one succeeded.
    const { rows } = await db.query(`SELECT id::int AS id, name, command_json, cron FROM ${LEGACY_TABLE} WHERE cron IS NOT NULL AND NOT fail AND NOT success ORDER BY id`);
    for (const r of rows) {
      const mapped = mapLegacyCommand(r.command_json, null);
      if (!mapped.ok) continue;
      hold.set(mapped.task, [...(hold.get(mapped.task) ?? []), { id: r.id, name: r.name, cron: r.cron }]);
    }
    return { hold, problem: null };
  } catch (error) {
    return { hold, problem: `cannot read the legacy cron rows in ${LEGACY_TABLE} (${errorMessage(error).split('\n')[0]}); default schedules are not held back` };
  }
}

/** The default schedules, with those the old worker also runs created paused. */
export function holdDefaultSchedules(defaults: ScheduleInput[], hold: LegacyCronHold): ScheduleInput[] {
  return defaults.map((d) => (hold.has(d.task) ? { ...d, paused: true } : d));
}

const rowsText = (rows: HeldCronRow[]) => rows.map((r) => `row ${r.id}${r.name ? ` ${r.name}` : ''} "${r.cron}"`).join(', ');

/** One line per held task, for the log: why its default schedule is paused, or a warning that both systems run it (printable: row names come from the database). */
export function holdNotices(hold: LegacyCronHold, schedules: ScheduleInfo[]): string[] {
  const lines: string[] = [];
  for (const [task, rows] of hold) {
    const s = schedules.find((x) => x.task === task && x.key === 'default');
    if (!s) continue;
    const line = s.paused
      ? `ifqueue: schedule ${task} is paused: the old worker still runs legacy cron ${rowsText(rows)} and bridging is off; \`ifqueue legacy cutover\` converts the row into this schedule and resumes it`
      : `ifqueue: warning: schedule ${task} is active while the old worker also runs legacy cron ${rowsText(rows)}: both run it; pause it (ifqueue schedules pause ${task}) or switch over (ifqueue legacy cutover)`;
    lines.push(sanitizeLine(line));
  }
  return lines;
}
