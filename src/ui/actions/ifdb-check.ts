// Before enqueueing an IFDB task: does this database have the tables it needs? If not, say so first.
import { sanitizeLine } from '../../text/terminal.ts';
import { confirm, type ActionContext } from './context.ts';

/** Reads the missing tables again (one query) and keeps them for the screens; [] when nothing can tell. */
export async function missingTables(ctx: ActionContext, task: string): Promise<string[]> {
  if (!ctx.ifdbTables) return [];
  try {
    const missing = await ctx.ifdbTables();
    ctx.store.getState().setIfdbMissing(missing);
    return missing[task] ?? [];
  } catch {
    // The check is a courtesy: when it cannot run, the task's own check still fails the job with the reason.
    return ctx.store.getState().ifdbMissing?.[task] ?? [];
  }
}

/** "core_feedcache" or "games_game and 18 more" */
export function tablesText(tables: readonly string[]): string {
  const first = sanitizeLine(tables[0] ?? '');
  return tables.length > 1 ? `${first} and ${tables.length - 1} more` : first;
}

/** What a task lacking IFDB's tables would do here, in two short lines (each fits 80 columns). */
export function missingTablesLines(task: string, tables: readonly string[]): [string, string] {
  return [`This database has no IFDB tables (${tablesText(tables)} missing):`, `${task} would fail at once here.`];
}

/**
 * Runs `go` at once when the task's IFDB tables are here; otherwise asks first, saying the job would fail.
 * `what` names the action: "Enqueue fetch-feeds", "Resume schedule import-games".
 */
export async function unlessTablesMissing(ctx: ActionContext, task: string, what: string, go: () => Promise<unknown>): Promise<void> {
  const tables = await missingTables(ctx, task);
  if (tables.length === 0) {
    await go();
    return;
  }
  confirm(
    ctx,
    'No IFDB tables here',
    `${what} anyway? This database has no IFDB tables.`,
    async () => {
      await go();
    },
    `${tablesText(tables)} missing: ${task} would fail at once. To run it for real, point DATABASE_URL at IFDB's database.`,
  );
}
