// `ifqueue legacy …`: the cutover from IFDB's old worker (status, bridge, stop, adopt-orphans,
// rollback, retire). Argument parsing and wiring only; the work is in src/legacy.
import { Command, Option } from 'commander';
import { UserError } from '../../runner/errors.ts';
import { adoptOrphans } from '../../legacy/adopt.ts';
import { enableBridging, startBridge, type Bridge, type BridgeEvent } from '../../legacy/bridge.ts';
import { legacyOptionsFromEnv, type LegacyOptions } from '../../legacy/options.ts';
import { retire } from '../../legacy/retire.ts';
import type { RetireBlocker } from '../../legacy/retire-blockers.ts';
import { rollback } from '../../legacy/rollback.ts';
import { legacyReport, reportText } from '../../legacy/status.ts';
import { stopWorker } from '../../legacy/stop.ts';
import { cutover } from '../../legacy/cutover.ts';
import { findWorker } from '../../legacy/worker.ts';
import { setTrigger } from '../../legacy/store.ts';
import { openRunner } from '../context.ts';
import { parseNumberSetting } from '../../runner/settings.ts';
import { formatDuration, parseDuration, sanitizeLine, table, toJson } from '../format.ts';
import { sanitizeLines } from '../../text/terminal.ts';

const out = (line: string) => process.stdout.write(sanitizeLine(line) + '\n');

export function describeBridgeEvent(e: BridgeEvent): string {
  const row = (id: number, name: string | null) => `row ${id}${name ? ` ${name}` : ''}`;
  switch (e.kind) {
    case 'job':
      return `took ${row(e.rowId, e.name)} -> ${e.task} job ${e.jobId}`;
    case 'schedule':
      return `converted cron ${row(e.rowId, e.name)} -> schedule ${e.task} "${e.cron}"`;
    case 'rejected':
      return `marked ${row(e.rowId, e.name)} failed: ${e.reason}`;
    case 'written':
      return `row ${e.rowId}: ${e.outcome} (job ${e.jobId})`;
    case 'switch':
      return e.enabled ? 'bridging is on' : 'bridging is off (rolled back or not enabled): not taking rows, still writing back outcomes';
    case 'table':
      return e.present ? 'legacy table found' : 'legacy table core_taskqueueelement not found: idle';
  }
}

const stamp = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

/** The rows that keep retire from dropping the table, one line each: id, name, call, state, when. */
export function describeBlockers(blockers: RetireBlocker[]): string {
  const when = (b: RetireBlocker) => {
    if (!b.at) return '';
    const future = b.at.getTime() > Date.now();
    const verb = b.state === 'running' || b.state === 'orphaned' || (b.state === 'bridged' && /active$/.test(b.detail ?? '')) ? 'started' : future ? 'due' : 'waiting since';
    return `${verb} ${stamp(b.at)}${future ? ` (in ${formatDuration((b.at.getTime() - Date.now()) / 1000)})` : ''}`;
  };
  return table(
    blockers.map((b) => [`row ${b.id}`, b.name ?? '—', b.command, [b.state, b.detail].filter(Boolean).join(' '), when(b)].map(sanitizeLine)),
    ['row', 'name', 'call', 'state', 'when'],
  );
}

/** Turning the take guard on under a live old worker crashes it on its next row (the guard's job): cutover stops it first. */
async function refuseWhileWorkerRuns(options: LegacyOptions): Promise<void> {
  const worker = await findWorker(options);
  if (!worker.alive) return;
  throw new UserError(
    `the old worker is running (${worker.summary}): turning bridging on now would crash it on its next row; use ifqueue legacy cutover (it stops the worker first), or --follow to run a bridge that waits for the switch`,
  );
}

export function registerLegacyCommands(program: Command): void {
  const globals = () => program.opts();
  const legacy = program
    .command('legacy')
    .description("cutover from IFDB's legacy worker: status, cutover, bridge, stop, adopt-orphans, rollback, retire")
    .option('--pid-file <path>', "the old worker's pid file (default: $WORKER_PID_FILE or /home/ifdb/tmp/tmp/ifdbworker.pid)")
    .option('--unit <name>', "the old worker's systemd unit ('' for none; default: $IFQUEUE_LEGACY_UNIT or ifdb-worker)")
    .option('--worker-command <command>', 'starts the old worker when there is no unit (default: $IFQUEUE_LEGACY_WORKER_COMMAND)');
  const legacyOptions = (): LegacyOptions => {
    const o = legacy.opts();
    return legacyOptionsFromEnv(process.env, {
      pidFile: o.pidFile,
      unit: o.unit === undefined ? undefined : o.unit === '' ? null : o.unit,
      workerCommand: o.workerCommand,
    });
  };
  const withRunner = async <T>(fn: (r: Awaited<ReturnType<typeof openRunner>>) => Promise<T>): Promise<T> => {
    const opened = await openRunner(globals(), { kind: 'cli', work: false });
    try {
      return await fn(opened);
    } finally {
      await opened.close();
    }
  };

  legacy
    .command('status')
    .description('legacy rows by state, the running row, orphans, cron rows, the old worker and the bridge')
    .option('--json', 'JSON output')
    .action(async (o) => {
      await withRunner(async ({ runner }) => {
        const report = await legacyReport(runner.db, legacyOptions());
        process.stdout.write((o.json ? toJson(report, 2) : sanitizeLines(reportText(report)).join('\n')) + '\n');
      });
    });

  legacy
    .command('bridge')
    .description('turn bridging on and run the bridge here until SIGTERM (a daemon started with --bridge does the same); refused while the old worker runs: use cutover')
    .option('--enable-only', 'turn bridging on and exit (a daemon with --bridge does the work)')
    .option('--follow', 'run the bridge, but leave the switch as it is (cutover turns it on, rollback off), as a daemon with --bridge does')
    .option('--own-pid-file', "write this process's pid into the worker pid file so Enqueue() wakes it (restored on exit)")
    .option('--install-trigger', 'also install a trigger that NOTIFYs the bridge on insert')
    .option('--remove-trigger', 'remove that trigger and exit')
    .option('--work', 'also run the jobs in this process (otherwise a daemon runs them)')
    .addOption(new Option('--poll <ms>', 'safety-net poll interval').default(1000).argParser((v) => parseNumberSetting('--poll', v.trim(), { min: 50, max: 3_600_000 })))
    .action(async (o) => {
      if (o.removeTrigger) {
        await withRunner(async ({ runner }) => {
          await setTrigger(runner.db, 'notify', false);
          out('insert trigger removed');
        });
        return;
      }
      if (!o.follow) await refuseWhileWorkerRuns(legacyOptions());
      if (o.enableOnly) {
        await withRunner(async ({ runner }) => {
          await enableBridging(runner, { installTrigger: !!o.installTrigger });
          out('bridging is on: the take guard is installed; a daemon started with --bridge takes the rows');
        });
        return;
      }
      const opened = await openRunner(globals(), { kind: o.work ? 'daemon' : 'cli', work: !!o.work, register: true });
      const { runner } = opened;
      let bridge: Bridge;
      try {
        bridge = await startBridge(runner, {
          ...legacyOptions(),
          enable: !o.follow,
          installTrigger: !!o.installTrigger,
          ownPidFile: o.ownPidFile ? true : undefined,
          pollMs: o.poll,
          onEvent: (e) => out(describeBridgeEvent(e)),
          onError: (where, message) => process.stderr.write(`error ${where}: ${sanitizeLine(message)}\n`),
        });
      } catch (error) {
        await opened.close();
        throw error;
      }
      out(
        o.follow
          ? `legacy bridge running (pid ${process.pid}), following the switch (ifqueue legacy cutover turns it on); Ctrl+C or SIGTERM stops it`
          : `legacy bridge running (pid ${process.pid}); Ctrl+C or SIGTERM stops it (bridging stays on: ifqueue legacy rollback turns it off)`,
      );
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(s, onSignal);
          out('stopping the bridge');
          void bridge.stop().then(() => opened.close()).then(resolve);
        };
        for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, onSignal);
      });
    });

  legacy
    .command('cutover')
    .description('switch from the old worker to ifqueue: stop it (it finishes its row), then turn the take guard and bridging on, then wait for the bridge to take the waiting rows')
    .option('--timeout <duration>', 'how long the old worker may take to finish its row', '10m')
    .option('--bridge-timeout <duration>', 'how long to wait for the bridge to take the rows that were waiting', '60s')
    .option('--no-insert-trigger', 'do not install the trigger that NOTIFYs the bridge on insert (it then polls every second)')
    .action(async (o) => {
      const stopTimeoutMs = parseDuration(o.timeout) * 1000;
      const bridgeTimeoutMs = parseDuration(o.bridgeTimeout) * 1000;
      await withRunner(async ({ runner }) => {
        const result = await cutover(runner, { ...legacyOptions(), stopTimeoutMs, bridgeTimeoutMs, insertTrigger: o.insertTrigger }, out);
        if (!result.ok) throw new UserError(result.message);
        out(result.message);
      });
    });

  legacy
    .command('stop')
    .description('stop the old worker: systemd unit, else SIGTERM to the verified pid; it finishes its current row first')
    .option('--timeout <duration>', 'how long to wait for it to exit', '10m')
    .action(async (o) => {
      const timeoutMs = parseDuration(o.timeout) * 1000;
      await withRunner(async ({ runner }) => {
        const result = await stopWorker(runner.db, legacyOptions(), out, { timeoutMs });
        out(result.message);
        if (!result.ok) process.exitCode = 1;
      });
    });

  legacy
    .command('adopt-orphans')
    .description('put rows a crashed worker left started-but-unfinished back to pending, so they run again')
    .option('--dry-run', 'only list them')
    .action(async (o) => {
      await withRunner(async ({ runner }) => {
        const r = await adoptOrphans(runner.db, legacyOptions(), { dryRun: !!o.dryRun });
        if (r.running) out(`row ${r.running.id} is running in the old worker: left alone`);
        if (!r.orphans.length) return out('no orphaned rows');
        for (const row of r.orphans) out(`orphan row ${row.id}${row.name ? ` ${row.name}` : ''} started ${row.start_time?.toISOString() ?? '—'}`);
        out(o.dryRun ? `${r.orphans.length} orphaned row(s); run without --dry-run to re-run them` : `${r.adopted.length} row(s) back to pending: ${r.adopted.join(', ')}`);
        if (r.wake && 'woke' in r.wake) out(`woke the old worker (pid ${r.wake.woke}) to run them`);
        if (r.wake && 'failed' in r.wake) out(`${r.wake.failed}; it runs them when it next wakes up`);
      });
    });

  legacy
    .command('rollback')
    .description('stop bridging, hand jobs that have not started back to their rows, start the old worker again')
    .option('--timeout <duration>', 'how long to wait for bridged jobs that are running', '10m')
    .option('--no-start-worker', 'do not start the old worker')
    .action(async (o) => {
      const timeoutMs = parseDuration(o.timeout) * 1000;
      await withRunner(async ({ runner }) => {
        const r = await rollback(runner, { ...legacyOptions(), timeoutMs, startWorker: o.startWorker }, out);
        out(`rollback done: ${r.handedBack.length} row(s) handed back, ${r.schedulesReturned.length} cron row(s) returned, ${r.stillRunning} still running in ifqueue`);
        if (r.worker && !r.worker.ok) process.exitCode = 1;
      });
    });

  legacy
    .command('retire')
    .description('export all legacy rows as JSON lines; with --drop --confirm also drop the table')
    .option('--idle <duration>', 'no new row for at least this long', '7d')
    .option('--out <file>', 'JSON-lines file to create', `core_taskqueueelement-${new Date().toISOString().slice(0, 10)}.jsonl`)
    .option('--drop', 'drop the table after the export (needs --confirm)')
    .option('--confirm', 'yes, drop it')
    .option('--run-retries-now', 'first make legacy retry rows and bridged jobs waiting for a later attempt due now')
    .action(async (o) => {
      await withRunner(async ({ runner }) => {
        const r = await retire(runner.db, legacyOptions(), {
          idleSeconds: parseDuration(o.idle),
          out: o.out,
          drop: !!o.drop,
          confirm: !!o.confirm,
          runRetriesNow: !!o.runRetriesNow,
          bossSchema: runner.bossSchema,
        });
        if (!r.ok) {
          if (r.movedNow) out(`made due now: ${r.movedNow.rows} legacy retry row(s), ${r.movedNow.jobs} bridged job(s) waiting for a retry`);
          if (r.blockers.length) for (const line of describeBlockers(r.blockers).split('\n')) out(line);
          if (r.blockers.some((b) => b.state === 'retry' || (b.state === 'bridged' && b.at && b.at.getTime() > Date.now()))) {
            out('to run the retries scheduled later now: ifqueue legacy retire --run-retries-now');
          }
          throw new UserError(`not retiring: ${r.refused.join('; ')}`);
        }
        out(`exported ${r.exported} row(s) to ${r.file}${r.dropped ? '; table core_taskqueueelement dropped' : ''}`);
        if (r.note) out(r.note);
      });
    });
}
