// Commands contributed by other parts (the legacy cutover adds `ifqueue legacy …` here).
import type { Command } from 'commander';
import { registerLegacyCommands } from './commands/legacy.ts';

export function registerExtensions(program: Command): void {
  registerLegacyCommands(program);
}
