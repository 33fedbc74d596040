// While a task runs, anything it writes with console.* goes to its job log (AsyncLocalStorage tells
// which job is running in the current async context); outside a task console behaves as usual.
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { LogLevel } from './types.ts';

/** Where a running job's console lines go (the job's attempt). */
export interface LineSink {
  appendLine(level: LogLevel, text: string): void;
}

const storage = new AsyncLocalStorage<LineSink>();
let installed = 0;
const originals: Partial<Record<'log' | 'info' | 'warn' | 'error' | 'debug', (...a: unknown[]) => void>> = {};
const LEVELS = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug' } as const;

export function installConsoleCapture(): () => void {
  if (installed++ === 0) {
    for (const method of Object.keys(LEVELS) as (keyof typeof LEVELS)[]) {
      const original = console[method].bind(console);
      originals[method] = original;
      console[method] = (...args: unknown[]) => {
        const sink = storage.getStore();
        if (sink) sink.appendLine(LEVELS[method], format(...args));
        else original(...args);
      };
    }
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installed === 0) for (const [m, f] of Object.entries(originals)) (console as any)[m] = f;
  };
}

export function runWithLogSink<T>(sink: LineSink, fn: () => Promise<T>): Promise<T> {
  return storage.run(sink, fn);
}
