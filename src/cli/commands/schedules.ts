// ifqueue schedules [list|set|pause|resume|delete|run|preview]
import type { Command } from 'commander';
import { UserError } from '../../runner/errors.ts';
import { previewCron } from '../../runner/scheduler.ts';
import type { ScheduleInfo } from '../../runner/types.ts';
import { readArgsOption } from '../args-input.ts';
import { withRunner } from '../context.ts';
import { parseNumberSetting } from '../../runner/settings.ts';
import { sanitizeLine, table, toJson } from '../format.ts';

function findSchedule(list: ScheduleInfo[], ref: string): ScheduleInfo {
  const [task, key] = ref.split(':');
  const found = list.find((s) => s.id === ref) ?? list.find((s) => s.task === task && (key === undefined || s.key === key));
  if (!found) throw new UserError(`no schedule ${JSON.stringify(ref)} (give its id, or task[:key])`);
  return found;
}

export function registerScheduleCommands(program: Command): void {
  const globals = () => program.opts();
  const schedules = program.command('schedules').description('cron schedules');

  const list = async (o: { json?: boolean }) => {
    await withRunner(globals(), async (runner) => {
      const items = await runner.listSchedules();
      if (o.json) process.stdout.write(toJson(items, 2) + '\n');
      else
        process.stdout.write(
          (items.length
            ? table(
                items.map((s) => [
                  s.id.slice(0, 8),
                  `${s.task}${s.key !== 'default' ? ':' + s.key : ''}`,
                  s.cron,
                  s.tz,
                  s.paused ? 'paused' : 'active',
                  s.nextRuns[0] ?? '—',
                  s.lastRunAt ? `${s.lastRunAt} ${s.lastOutcome ?? ''}` : '—',
                  JSON.stringify(s.args),
                ]),
                ['id', 'task', 'cron', 'tz', 'state', 'next', 'last', 'args'],
              )
            : 'no schedules') + '\n',
        );
    });
  };
  schedules.option('--json', 'JSON output').action(list);
  // commander gives --json to the parent when both declare it
  schedules
    .command('list')
    .option('--json', 'JSON output')
    .action((o: { json?: boolean }) => list({ json: o.json ?? schedules.opts().json }));

  schedules
    .command('set <task> <cron>')
    .description("create or change a schedule, e.g. set fetch-feeds '*/30 * * * *'")
    .option('--args <json|@file|->', 'arguments as JSON, @file, or - for stdin', '{}')
    .option('--tz <zone>', 'time zone', 'UTC')
    .option('--key <key>', 'a second schedule of the same task', 'default')
    .option('--paused', 'create it paused')
    .action(async (task: string, cron: string, o) => {
      const args = await readArgsOption(o.args);
      await withRunner(globals(), async (runner) => {
        const s = await runner.setSchedule({ task, cron, tz: o.tz, args, key: o.key, paused: o.paused ? true : undefined });
        process.stdout.write(sanitizeLine(`${s.id} ${s.task} '${s.cron}' ${s.tz}${s.paused ? ' (paused)' : ` next ${s.nextRuns[0]}`}`) + '\n');
      });
    });

  for (const [name, description] of [
    ['pause', 'pause a schedule'],
    ['resume', 'resume a schedule'],
    ['delete', 'delete a schedule'],
    ['run', 'fire a schedule now (one job)'],
  ] as const) {
    schedules
      .command(`${name} <schedule>`)
      .description(`${description} (id, or task[:key])`)
      .action(async (ref: string) => {
        await withRunner(globals(), async (runner) => {
          const s = findSchedule(await runner.listSchedules(), ref);
          if (name === 'pause') await runner.pauseSchedule(s.id);
          if (name === 'resume') await runner.resumeSchedule(s.id);
          if (name === 'delete') await runner.deleteSchedule(s.id);
          if (name === 'run') process.stdout.write(`${await runner.runScheduleNow(s.id)}\n`);
          else process.stdout.write(sanitizeLine(`${name}d ${s.task}:${s.key}`) + '\n');
        });
      });
  }

  schedules
    .command('preview <cron>')
    .description('show the next fire times of a cron expression')
    .option('--tz <zone>', 'time zone', 'UTC')
    .option('--count <n>', 'how many', '5')
    .action(async (cron: string, o) => {
      const p = previewCron(cron, o.tz, parseNumberSetting('--count', String(o.count).trim(), { min: 1, max: 1000 }));
      if (!p.ok) throw new UserError(`invalid cron expression: ${p.error}`);
      process.stdout.write(p.next.join('\n') + '\n');
    });
}
