// `ifqueue` on a terminal: the dashboard, with the embedded runner unless --no-runner or --readonly. What start-up
// has to say (an embedded database created, demo jobs seeded, the metrics address) is shown in the dashboard:
// written to stderr it would sit behind the full-screen UI and appear only after quitting.
import { openRunner, retentionDaysFromEnv } from '../context.ts';
import { maybeSeed, startMetricsIfAvailable, type DefaultOptions } from './default.ts';
import { createLegacyControl, hasLegacyQueue } from '../../legacy/control.ts';

export async function runDashboardCommand(o: DefaultOptions, queues: string[] | undefined): Promise<number> {
  const notes: string[] = [];
  const note = (line: string) => notes.push(line.replace(/^ifqueue: /, ''));
  // Read-only means hands off the queue: such a dashboard never runs jobs either (--readonly implies --no-runner).
  const work = o.runner !== false && !o.readonly;
  let shown = false;
  let opened;
  try {
    opened = await openRunner(o, { kind: 'dashboard', work, register: true, queues, onError: () => {} }, note);
  } catch (error) {
    printNotes(notes);
    throw error;
  }
  try {
    await maybeSeed(opened, o.demo, note);
    const ui = await import('../../ui/index.tsx');
    const metrics = o.metricsPort ? await startMetricsIfAvailable(opened, o, note) : null;
    const runner = opened.runner;
    const legacy = (await hasLegacyQueue(runner)) ? createLegacyControl(runner) : null;
    try {
      shown = true;
      return await ui.runDashboard({
        api: runner,
        readonly: !!o.readonly,
        watching: !work,
        runnerLabel: work ? 'embedded runner' : 'watching',
        stopRunner: (onProgress) => opened.close({ onProgress }),
        retentionDays: retentionDaysFromEnv(),
        // Loaded on use: the table lists come from the task modules, which one-shot commands should not pay for.
        ifdbTables: async () => (await import('../../tasks/ifdb-tables.ts')).missingIfdbTables(runner.db),
        legacy,
        notes,
      });
    } finally {
      await metrics?.close();
    }
  } catch (error) {
    if (!shown) printNotes(notes);
    throw error;
  } finally {
    await opened.close();
  }
}

/** When no dashboard will show them, what start-up had to say goes to stderr with the error. */
function printNotes(notes: readonly string[]): void {
  for (const line of notes) process.stderr.write(`ifqueue: ${line}\n`);
}
