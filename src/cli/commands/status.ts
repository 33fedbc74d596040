// ifqueue status [--json] and ifqueue check (Nagios exit codes).
import type { Command } from 'commander';
import { UserError, errorMessage } from '../../runner/errors.ts';
import { scrubSecrets } from '../../runner/dsn.ts';
import type { Snapshot } from '../../runner/types.ts';
import { openRunner, withRunner } from '../context.ts';
import { formatDuration, parseDuration, sanitizeLine, table, toJson } from '../format.ts';

export function statusText(s: Snapshot): string {
  const live = s.runners.filter((r) => r.alive);
  const lines = [
    `database  ${s.database}`,
    `runners   ${live.length} live${live.length ? ': ' + live.map((r) => `${r.host} pid ${r.pid} (${r.kind})`).join(', ') : ''}`,
    `totals    waiting ${s.totals.waiting}  scheduled ${s.totals.scheduled}  active ${s.totals.active}  retry ${s.totals.retry}  failed ${s.totals.failed}  failed last hour ${s.totals.failedLastHour}`,
    '',
    table(
      s.queues.map((q) => [
        q.task + (q.paused ? ' (paused)' : ''),
        String(q.waiting),
        String(q.scheduled),
        String(q.active),
        String(q.retry),
        String(q.failed),
        String(q.completedLastHour),
        String(q.completedLastDay),
        formatDuration(q.oldestWaitingSeconds),
      ]),
      ['task', 'waiting', 'sched', 'active', 'retry', 'failed', 'done 1h', 'done 24h', 'oldest'],
    ),
  ];
  if (s.schedules.length) {
    lines.push('', table(s.schedules.map((x) => [x.task, x.cron, x.tz, x.paused ? 'paused' : x.nextRuns[0] ?? '—']), ['schedule', 'cron', 'tz', 'next']));
  }
  return lines.map(sanitizeLine).join('\n');
}

export function registerStatusCommands(program: Command): void {
  const globals = () => program.opts();
  program
    .command('status')
    .description('runners, per-task counts, oldest waiting job, failures in the last hour')
    .option('--json', 'JSON output (the snapshot)')
    .action(async (o) => {
      await withRunner(globals(), async (runner) => {
        const s = await runner.snapshot();
        process.stdout.write((o.json ? toJson(s, 2) : statusText(s)) + '\n');
      });
    });

  program
    .command('check')
    .description('health check for cron/Nagios: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .option('--warn-failed <n>', 'WARNING at this many failures in the last hour', '1')
    .option('--crit-failed <n>', 'CRITICAL at this many failures in the last hour', '10')
    .option('--warn-age <duration>', 'WARNING when the oldest waiting job is this old', '10m')
    .option('--crit-age <duration>', 'CRITICAL when the oldest waiting job is this old', '1h')
    .option('--no-require-runner', 'do not require a live runner')
    .action(async (o) => {
      const warnFailed = Number(o.warnFailed);
      const critFailed = Number(o.critFailed);
      let warnAge: number, critAge: number;
      try {
        warnAge = parseDuration(o.warnAge);
        critAge = parseDuration(o.critAge);
        if (!Number.isFinite(warnFailed) || !Number.isFinite(critFailed)) throw new Error('failure thresholds must be numbers');
      } catch (error) {
        process.stdout.write(`UNKNOWN - ${sanitizeLine(errorMessage(error))}\n`);
        process.exitCode = 3;
        return;
      }
      let opened;
      try {
        opened = await openRunner(globals(), { kind: 'cli', work: false }, () => {});
      } catch (error) {
        const url = globals().databaseUrl ?? process.env.DATABASE_URL ?? '';
        process.stdout.write(`CRITICAL - database unreachable: ${sanitizeLine(scrubSecrets(errorMessage(error), url).split('\n')[0])}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const s = await opened.runner.snapshot();
        const oldest = Math.max(0, ...s.queues.map((q) => q.oldestWaitingSeconds ?? 0));
        const failed = s.totals.failedLastHour;
        const live = s.runners.filter((r) => r.alive && r.queues.length > 0).length;
        const problems: [number, string][] = [];
        if (o.requireRunner && live === 0) problems.push([2, 'no live runner']);
        if (failed >= critFailed) problems.push([2, `${failed} failures in the last hour`]);
        else if (failed >= warnFailed) problems.push([1, `${failed} failures in the last hour`]);
        if (oldest >= critAge) problems.push([2, `oldest waiting job ${formatDuration(oldest)}`]);
        else if (oldest >= warnAge) problems.push([1, `oldest waiting job ${formatDuration(oldest)}`]);
        const level = Math.max(0, ...problems.map((p) => p[0]));
        const word = ['OK', 'WARNING', 'CRITICAL'][level];
        const perf = `| runners=${live} waiting=${s.totals.waiting} active=${s.totals.active} failed_1h=${failed} oldest_waiting_s=${Math.round(oldest)}`;
        process.stdout.write(`${word} - ${problems.length ? problems.map((p) => p[1]).join(', ') : `${live} runner(s), ${s.totals.waiting} waiting, ${failed} failed in the last hour`} ${perf}\n`);
        process.exitCode = level;
      } catch (error) {
        process.stdout.write(`UNKNOWN - ${sanitizeLine(errorMessage(error))}\n`);
        process.exitCode = 3;
      } finally {
        await opened.close();
      }
    });
  void UserError;
}
