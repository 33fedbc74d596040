// Renders the real dashboard into an in-memory 80×24 terminal (ink-testing-library's streams are fixed at 100 columns),
// writes keys to its stdin and reads whole frames (Ink's debug mode writes every frame).
import { EventEmitter } from 'node:events';
import { mountDashboard, type MountOptions, type MountedDashboard } from '../../src/ui/mount.tsx';
import { FakeRunner } from './fake-runner.ts';
import type { QueueApi } from '../../src/runner/types.ts';
import { widthOf } from '../../src/ui/text.ts';

export class TestStdout extends EventEmitter {
  columns: number;
  rows: number;
  readonly frames: string[] = [];
  constructor(columns = 80, rows = 24) {
    super();
    this.columns = columns;
    this.rows = rows;
  }
  write = (frame: string, ...rest: unknown[]): boolean => {
    this.frames.push(frame);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  };
  lastFrame(): string {
    return this.frames[this.frames.length - 1] ?? '';
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class TestStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEY = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageDown: '\u001b[6~',
  backspace: '\u007f',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
} as const;

// SGR styling is Ink's own; everything else in a frame would be a leak.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

export function plain(frame: string): string {
  return frame.replace(SGR, '');
}

export interface Harness<A extends QueueApi = FakeRunner> extends MountedDashboard {
  api: A;
  stdout: TestStdout;
  stdin: TestStdin;
  /** the last frame without Ink's colour codes */
  frame(): string;
  lines(): string[];
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  /** waits until the frame contains the text (or the predicate holds); fails with the last frame */
  waitFor(expected: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  close(): Promise<number>;
}

const settle = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Mounts the dashboard on the fake runner, or on any QueueApi given (the real Runner in the wiring tests). */
export function mount<A extends QueueApi = FakeRunner>(options: Partial<Omit<MountOptions, 'api'>> & { api?: A; columns?: number; rows?: number } = {}): Harness<A> {
  const api = (options.api ?? new FakeRunner()) as A;
  const stdout = new TestStdout(options.columns ?? 80, options.rows ?? 24);
  const stdin = new TestStdin();
  const mounted = mountDashboard({
    timing: { flushMs: 20, countsMinMs: 50, safetyMs: 60_000, retryMs: 50, maxRetryMs: 200 },
    env: { NO_COLOR: '1' },
    ...options,
    api,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    ink: { debug: true, patchConsole: false, alternateScreen: false, incrementalRendering: false, ...options.ink },
  });
  const frame = () => plain(stdout.lastFrame());
  const h: Harness<A> = {
    ...mounted,
    api,
    stdout,
    stdin,
    frame,
    lines: () => frame().replace(/\n$/, '').split('\n'),
    async press(...keys) {
      for (const key of keys) {
        stdin.write(key);
        // a lone ESC is held by Ink for 20 ms in case a sequence follows
        await settle(key === KEY.escape ? 40 : 5);
      }
    },
    async type(text) {
      for (const ch of text) await h.press(ch);
    },
    async waitFor(expected, timeoutMs = 3000) {
      const test = typeof expected === 'function' ? expected : (f: string) => (typeof expected === 'string' ? f.includes(expected) : expected.test(f));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const f = frame();
        if (test(f)) return f;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}; last frame:\n${f}`);
        await settle(10);
      }
    },
    async close() {
      mounted.instance.unmount();
      return mounted.exited;
    },
  };
  return h;
}

/** A fake runner with a job in every state, a running job with log lines, a failure with a stack, and two schedules. */
export async function seededRunner(): Promise<FakeRunner> {
  const api = new FakeRunner();
  api.addRunner({ host: 'web1', pid: 4121, kind: 'daemon' });
  const waiting = await api.enqueue('demo-sleep', { seconds: 5 }, { name: 'sleep-waiting' });
  await api.enqueue('demo-sleep', { seconds: 9 }, { name: 'sleep-later', startAfter: 3600 });
  const running = await api.enqueue('demo-sleep', { seconds: 60 }, { name: 'sleep-running' });
  api.start(running);
  api.log(running, 'slept 1s of 60s');
  api.log(running, 'slept 2s of 60s');
  const failed = await api.enqueue('demo-fail', { message: 'HTTP 404 Not Found' }, { name: 'CloneUrl(10231)' });
  api.start(failed);
  api.log(failed, 'about to fail: HTTP 404 Not Found', 'warn');
  api.fail(failed, 'HTTP 404 Not Found', 'Error: HTTP 404 Not Found\n    at fetchUrl (http.ts:10:5)\n    at cloneFile (clone.ts:20:3)');
  const done = await api.enqueue('demo-log-burst', { lines: 3 }, { name: 'burst-done' });
  api.start(done);
  api.complete(done);
  const cancelled = await api.enqueue('demo-sleep', { seconds: 1 }, { name: 'sleep-cancelled' });
  await api.cancelJob(cancelled);
  await api.setSchedule({ task: 'import-games', cron: '0 */6 * * *', args: { appendUrls: false } });
  await api.setSchedule({ task: 'fetch-feeds', cron: '*/30 * * * *' });
  void waiting;
  return api;
}

/** Every frame written so far fits the terminal: no more rows than it has, no row wider than it is. */
export function assertFramesFit(h: Harness<QueueApi>, columns = h.stdout.columns, rows = h.stdout.rows): void {
  for (const [i, raw] of h.stdout.frames.entries()) {
    const lines = plain(raw).replace(/\n$/, '').split('\n');
    if (lines.length > rows) throw new Error(`frame ${i} has ${lines.length} rows (terminal has ${rows}):\n${plain(raw)}`);
    for (const line of lines) {
      if (widthOf(line) > columns) throw new Error(`frame ${i} has a row ${widthOf(line)} columns wide (terminal has ${columns}):\n${line}`);
    }
  }
}
