// ifqueue status [--json] and ifqueue check (Nagios exit codes).
import type { Command } from 'commander';
import { UserError, errorMessage } from '../../runner/errors.ts';
import { scrubSecrets } from '../../runner/dsn.ts';
import type { CappedCount, Snapshot } from '../../runner/types.ts';
import { withClient } from '../context.ts';
import { countText, formatDuration, parseDuration, sanitizeLine, table, toJson } from '../format.ts';

export function statusText(s: Snapshot): string {
  const live = s.runners.filter((r) => r.alive);
  const t = s.totals;
  const capped = (n: number, field: CappedCount, list?: readonly CappedCount[]) => countText(n, list?.includes(field) ?? false);
  const head = [
    `database  ${s.database}`,
    `runners   ${live.length} live${live.length ? ': ' + live.map((r) => `${r.host} pid ${r.pid} (${r.kind})`).join(', ') : ''}`,
    `totals    waiting ${capped(t.waiting, 'waiting', t.capped)}  scheduled ${capped(t.scheduled, 'scheduled', t.capped)}  active ${t.active}  retry ${t.retry}  failed ${t.failed}  failed last hour ${t.failedLastHour}`,
  ].map(sanitizeLine);
  // table() sanitises every cell, so its rows are safe lines already
  const tables = [
    table(
      s.queues.map((q) => [
        q.task + (q.paused ? ' (paused)' : ''),
        capped(q.waiting, 'waiting', q.capped),
        capped(q.scheduled, 'scheduled', q.capped),
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
    tables.push(table(s.schedules.map((x) => [x.task, x.cron, x.tz, x.paused ? 'paused' : x.nextRuns[0] ?? '—']), ['schedule', 'cron', 'tz', 'next']));
  }
  return [...head, ...tables.flatMap((x) => ['', x])].join('\n');
}

export function registerStatusCommands(program: Command): void {
  const globals = () => program.opts();
  program
    .command('status')
    .description('runners, per-task counts, oldest waiting job, failures in the last hour')
    .option('--json', 'JSON output (the snapshot)')
    .action(async (o) => {
      await withClient(globals(), async (client) => {
        const s = await client.snapshot();
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
      let report: { word: string; level: number; line: string } | null = null;
      try {
        report = await withClient(globals(), async (client) => {
          const s = await client.snapshot();
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
          const summary = problems.length ? problems.map((p) => p[1]).join(', ') : `${live} runner(s), ${countText(s.totals.waiting, s.totals.capped?.includes('waiting') ?? false)} waiting, ${failed} failed in the last hour`;
          return { word, level, line: `${word} - ${summary} ${perf}` };
          // a Nagios check prints its one line only (no notes about an embedded database)
        }, () => {});
      } catch (error) {
        const url = globals().databaseUrl ?? process.env.DATABASE_URL ?? '';
        const message = scrubSecrets(errorMessage(error), url).split('\n')[0];
        const unreachable = error instanceof UserError && /^cannot (connect|start)/.test(message);
        process.stdout.write(`${unreachable ? 'CRITICAL - database unreachable:' : 'UNKNOWN -'} ${sanitizeLine(message)}\n`);
        process.exitCode = unreachable ? 2 : 3;
        return;
      }
      process.stdout.write(sanitizeLine(report.line) + '\n');
      process.exitCode = report.level;
    });
}
