// Builds the store, the bridge and the Ink app, and owns the quit sequence (countdown while the runner stops, then unmount).
import React from 'react';
import { render, type Instance, type RenderOptions } from 'ink';
import type { QueueApi } from '../runner/types.ts';
import { App } from './app.tsx';
import { createBridge, DEFAULT_TIMING, type Bridge, type BridgeTiming } from './bridge.ts';
import type { DashboardContextValue } from './context.ts';
import { createDashboardStore, type DashboardStore } from './store/index.ts';
import { themeFromEnv } from './theme.ts';
import { errorLine } from './errors.ts';
import { sanitizeLine } from '../text/terminal.ts';
import type { LegacyAdapter } from '../legacy/types.ts';

export interface DashboardOptions {
  api: QueueApi;
  /** hide every action */
  readonly?: boolean;
  /** --no-runner: this process runs no jobs (the header says so) */
  watching?: boolean;
  /** e.g. "embedded runner" / "watching" */
  runnerLabel?: string;
  /** graceful stop with a countdown on Ctrl+C */
  stopRunner?: (onProgress: (p: { remainingSeconds: number; running: number }) => void) => Promise<void>;
  /** task → IFDB tables it needs that this database lacks (src/tasks/ifdb-tables.ts); absent: nothing is checked */
  ifdbTables?: () => Promise<Record<string, string[]>>;
  /** what start-up had to say (embedded database created, demo jobs seeded): shown until the first key */
  notes?: string[];
  /** IFQUEUE_RETENTION_DAYS: the cleanup's default age (default 14) */
  retentionDays?: number;
  /** a further Ctrl+C while stopping: stop waiting for running jobs (the caller bounds the exit) */
  hurryRunner?: () => void;
  /** quit requests from outside the keyboard (signals): subscribe `quit`, return the unsubscribe */
  stopRequests?: (quit: () => void) => () => void;
  /** delivered by the cutover work; when null the Legacy key and screen are hidden */
  legacy?: LegacyAdapter | null;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export interface MountOptions extends DashboardOptions {
  /** tests shorten the bridge's intervals */
  timing?: Partial<BridgeTiming>;
  /** tests render in debug mode to read whole frames */
  ink?: Partial<RenderOptions>;
  env?: NodeJS.ProcessEnv;
}

export interface MountedDashboard {
  store: DashboardStore;
  bridge: Bridge;
  instance: Instance;
  /** settles with the exit code once the dashboard is gone */
  exited: Promise<number>;
}

/** Exit code when a second Ctrl+C skips the graceful stop (as for SIGINT). */
export const FORCED_EXIT_CODE = 130;

export function mountDashboard(options: MountOptions): MountedDashboard {
  const store = createDashboardStore();
  if (options.notes?.length) store.getState().setNotes(options.notes.map((n) => sanitizeLine(n)));
  const bridge = createBridge(options.api, store, { ...DEFAULT_TIMING, ...options.timing });
  const legacy = options.legacy ?? null;
  const context: DashboardContextValue = {
    store, api: options.api, bridge, legacy,
    keymap: { readonly: !!options.readonly, legacy: legacy !== null },
    readonly: !!options.readonly, watching: !!options.watching, runnerLabel: options.runnerLabel ?? null,
    retentionDays: options.retentionDays ?? 14,
    ifdbTables: options.ifdbTables ?? null,
  };
  let exitCode = 0;
  let quitting = false;
  let instance: Instance;
  const quit = () => {
    if (quitting) {
      exitCode = FORCED_EXIT_CODE;
      options.hurryRunner?.();
      instance.unmount();
      return;
    }
    quitting = true;
    const stop = options.stopRunner;
    if (!stop) {
      instance.unmount();
      return;
    }
    // -1: the runner has not reported yet
    store.getState().setQuitting({ remainingSeconds: -1, running: -1 });
    stop((progress) => store.getState().setQuitting(progress)).then(
      () => instance.unmount(),
      (error) => {
        exitCode = 1;
        store.getState().showFlash('error', `The runner did not stop cleanly: ${errorLine(error)}`);
        instance.unmount();
      },
    );
  };
  const tty = options.stdout?.isTTY ?? process.stdout.isTTY;
  instance = render(<App context={context} theme={themeFromEnv(options.env)} quit={quit} />, {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: false,
    alternateScreen: !!tty,
    // Ink turns itself static when the environment says CI (CI=true), even on a real terminal; a
    // person (or the tmux end-to-end test under CI) at a TTY wants the live dashboard all the same.
    ...(tty ? { interactive: true } : {}),
    incrementalRendering: true,
    ...options.ink,
  });
  const unsubscribe = options.stopRequests?.(quit);
  const exited = instance.waitUntilExit().then(
    () => exitCode,
    () => 1,
  );
  void exited.finally(() => unsubscribe?.());
  return { store, bridge, instance, exited };
}
