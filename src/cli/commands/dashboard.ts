// `ifqueue` on a terminal: the dashboard, with the embedded runner unless --no-runner or --readonly. What start-up
// has to say (an embedded database created, demo jobs seeded, the metrics address) is shown in the dashboard:
// written to stderr it would sit behind the full-screen UI and appear only after quitting.
import { openRunner, retentionDaysFromEnv } from '../context.ts';
import { maybeSeed, startMetricsIfAvailable, type DefaultOptions } from './default.ts';
import { createLegacyControl, hasLegacyQueue } from '../../legacy/control.ts';
import { Shutdown } from '../shutdown.ts';
import { onStopRequest } from '../signals.ts';
import type { StandInWorker } from '../../legacy/demo.ts';
import type { Runner } from '../../runner/runner.ts';

export async function runDashboardCommand(o: DefaultOptions, queues: string[] | undefined): Promise<number> {
  const notes: string[] = [];
  const note = (line: string) => notes.push(line.replace(/^ifqueue: /, ''));
  // Read-only means hands off the queue: such a dashboard never runs jobs either (--readonly implies --no-runner).
  const work = o.runner !== false && !o.readonly;
  let shown = false;
  // the dashboard's modules load while the runner starts (its round trips to PostgreSQL)
  const uiLoading = import('../../ui/index.tsx');
  uiLoading.catch(() => {});
  let opened;
  try {
    // the embedded database going away and coming back is shown by the header (database down / live), not printed
    opened = await openRunner(o, { kind: 'dashboard', work, register: true, queues, onError: () => {}, embeddedLog: () => {} }, note);
  } catch (error) {
    printNotes(notes);
    throw error;
  }
  const { runner } = opened;
  let databaseUp = true;
  const shutdown = new Shutdown({
    hurry: () => runner.hurry(),
    databaseUp: () => databaseUp,
    release: () => opened.db.embedded?.stop() ?? Promise.resolve(),
  });
  const offStatus = runner.on('db:status', (e) => {
    databaseUp = e.connected;
    if (!e.connected) shutdown.databaseDown();
  });
  let code = 0;
  try {
    await maybeSeed(opened, o.demo, note);
    const ui = await uiLoading;
    const metrics = o.metricsPort ? await startMetricsIfAvailable(opened, o, note) : null;
    const standIn = await demoLegacyWorker(runner, note);
    const legacy = standIn ? createLegacyControl(runner, { pidFile: standIn.pidFile, unit: null }) : (await hasLegacyQueue(runner)) ? createLegacyControl(runner) : null;
    try {
      shown = true;
      code = await ui.runDashboard({
        api: runner,
        readonly: !!o.readonly,
        watching: !work,
        runnerLabel: work ? 'embedded runner' : 'watching',
        // the first quit (Ctrl+C, q, a signal): the graceful stop, shown with a countdown
        stopRunner: (onProgress) => {
          shutdown.request();
          return opened.close({ onProgress });
        },
        // every further quit: hurry, and exit within 2 s whatever the runner does
        hurryRunner: () => void shutdown.request(),
        stopRequests: (quit) => onStopRequest(quit),
        retentionDays: retentionDaysFromEnv(),
        // Loaded on use: the table lists come from the task modules, which one-shot commands should not pay for.
        ifdbTables: async () => (await import('../../tasks/ifdb-tables.ts')).missingIfdbTables(runner.db),
        legacy,
        notes,
      });
    } finally {
      standIn?.stop();
      // the screen is gone; a signal while the runner still stops counts as one more quit
      onStopRequest(() => void shutdown.request());
      await metrics?.close();
    }
  } catch (error) {
    if (!shown) printNotes(notes);
    throw error;
  } finally {
    offStatus();
    await opened.close();
  }
  shutdown.finish(code);
  return code;
}

/** On the demo's stand-in legacy table, a stand-in old worker (with its pid file) for the Legacy screen to show and stop. */
async function demoLegacyWorker(runner: Runner, note: (line: string) => void): Promise<StandInWorker | null> {
  if (!(await hasLegacyQueue(runner))) return null;
  const { isDemoLegacyQueue, startStandInWorker } = await import('../../legacy/demo.ts');
  if (!(await isDemoLegacyQueue(runner.db))) return null;
  const worker = startStandInWorker();
  note(`started a stand-in old worker (pid ${worker.pid}): L shows the legacy queue`);
  return worker;
}

/** When no dashboard will show them, what start-up had to say goes to stderr with the error. */
function printNotes(notes: readonly string[]): void {
  for (const line of notes) process.stderr.write(`ifqueue: ${line}\n`);
}
