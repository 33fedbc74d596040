// `ifqueue`: argument parsing and wiring only; the work is in src/runner, src/tasks and src/ui.
import { Command, Option } from 'commander';
import { UserError, errorMessage } from '../runner/errors.ts';
import { hasPassword, LAUNCHER_DATABASE_URL, scrubSecrets } from '../runner/dsn.ts';
import { VERSION } from '../runner/version.ts';
import { sanitizeLine } from '../text/terminal.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerScheduleCommands } from './commands/schedules.ts';
import { registerStatusCommands } from './commands/status.ts';
import { registerShortcutCommands } from './commands/shortcuts.ts';
import { registerExtensions } from './extensions.ts';
import { parseNumberSetting } from '../runner/settings.ts';
import { installSignalRouting } from './signals.ts';

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('ifqueue')
    .description('Job runner and terminal dashboard for IFDB (pg-boss on PostgreSQL)')
    .version(VERSION)
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded PostgreSQL)')
    .option('--daemon', 'run jobs headless (systemd), one line per job event on stdout')
    .option('--no-runner', 'dashboard only watches: jobs run elsewhere (a daemon)')
    .option('--readonly', 'dashboard without any action; runs no jobs (implies --no-runner)')
    .option('--demo', 'seed demo jobs first (only into a database that holds no jobs); the demo tasks are known to this process')
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>').argParser((v) => parseNumberSetting('--metrics-port', v.trim(), { min: 1, max: 65_535 })))
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server').default('127.0.0.1'))
    .option('--queues <names>', 'run only these tasks (comma-separated)')
    .option('--bridge', 'with --daemon: also bridge the legacy queue (core_taskqueueelement) while bridging is switched on')
    .showHelpAfterError('(run ifqueue --help for usage)')
    .action(async (options, command: Command) => {
      // `ifqueue frobnicate`: commander reports an unknown command (with a "did you mean" when one is
      // close) only for programs without a root action; this one has the dashboard as its action.
      if (command.args.length) (command as unknown as { unknownCommand(): never }).unknownCommand();
      const { runDefault } = await import('./commands/default.ts');
      process.exitCode = await runDefault(options);
    });
  registerJobCommands(program);
  registerScheduleCommands(program);
  registerStatusCommands(program);
  registerShortcutCommands(program);
  await registerExtensions(program, argv);
  // set after the subcommands were added, which copy their parent's settings when created
  program.allowExcessArguments(true);
  return program;
}

/** `ifqueue job ID | head`: when the reader goes away, stop quietly instead of dying on EPIPE. */
function exitQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}

/**
 * bin/ifqueue.js hands a --database-url over in the environment when it re-executes itself, so the
 * password never reaches the child's command line; put it back in the in-memory argv only.
 */
function databaseUrlFromLauncher(argv: string[]): string[] {
  const handed = process.env[LAUNCHER_DATABASE_URL];
  if (handed === undefined) return argv;
  delete process.env[LAUNCHER_DATABASE_URL];
  return [argv[0], argv[1], '--database-url', handed, ...argv.slice(2)];
}

function warnAboutPasswordOnCommandLine(program: Command): void {
  const url = program.opts().databaseUrl as string | undefined;
  if (url && hasPassword(url)) {
    process.stderr.write(
      'ifqueue: warning: the password in --database-url is visible to every local user (ps, /proc); set DATABASE_URL in the environment or use ~/.pgpass instead\n',
    );
  }
}

export async function main(argv = process.argv): Promise<void> {
  // first: a stop request (and the launcher's channel) is handled from here on
  installSignalRouting();
  exitQuietlyOnClosedOutput();
  argv = databaseUrlFromLauncher(argv);
  const program = await buildProgram(argv);
  program.exitOverride();
  program.hook('preAction', () => warnAboutPasswordOnCommandLine(program));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    if (code?.startsWith('commander.')) {
      process.exitCode = 2;
      return;
    }
    const url = program.opts().databaseUrl ?? process.env.DATABASE_URL ?? '';
    const message = scrubSecrets(errorMessage(error), url).split('\n')[0];
    process.stderr.write(`ifqueue: ${sanitizeLine(message)}\n`);
    if (!(error instanceof UserError) && process.env.IFQUEUE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = error instanceof UserError ? 1 : 1;
  }
}
