// The dashboard's entry points for the CLI: the live dashboard, and a plain summary when stdout is not a terminal.
import type { DashboardOptions } from './mount.tsx';

export type { DashboardOptions } from './mount.tsx';
export type { LegacyStatus, LegacyAdapter } from '../legacy/types.ts';
export { printPlainSummary } from './plain-summary.ts';

/** Runs the dashboard until the user quits; resolves with the exit code (0, or 130 after a forced second Ctrl+C). */
export async function runDashboard(options: DashboardOptions): Promise<number> {
  // React picks its build when first imported: the development build costs about three times the CPU per frame,
  // which an idle dashboard on a small server should not spend. Hence the late import of everything React.
  process.env.NODE_ENV ??= 'production';
  const { mountDashboard } = await import('./mount.tsx');
  return mountDashboard(options).exited;
}
