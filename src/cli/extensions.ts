// Commands contributed by other parts (the legacy cutover adds `ifqueue legacy …` here).
import type { Command } from 'commander';

export function registerExtensions(program: Command): void {
  void program;
}
