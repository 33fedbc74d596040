// Commands contributed by other parts (the legacy cutover adds `ifqueue legacy …` here). The cutover
// (execa, its SQL) is loaded only when the command line names it or asks for help: every other
// command starts without it (≈ 70 ms of CPU at each start).
import type { Command } from 'commander';

export async function registerExtensions(program: Command, argv: readonly string[]): Promise<void> {
  const words = argv.slice(2);
  if (words.includes('legacy') || words.some((w) => w === 'help' || w === '--help' || w === '-h')) {
    const { registerLegacyCommands } = await import('./commands/legacy.ts');
    registerLegacyCommands(program);
    return;
  }
  // a stand-in, never run (the real one is loaded whenever `legacy` is on the command line): it keeps
  // `legacy` among the commands an unknown one is compared with
  program.command('legacy').description("cutover from IFDB's legacy worker (ifqueue legacy --help)");
}
