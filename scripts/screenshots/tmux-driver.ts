// Drives a program in a private tmux server: start it in a pane of a given size, send keys, read the screen.
// Shared by the dashboard's end-to-end test and the screenshot script.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const run = promisify(execFile);

export interface TmuxSession {
  /** the visible screen as text (capture-pane -p), or with colours as ANSI SGR (-e) */
  capture(options?: { ansi?: boolean }): Promise<string>;
  /** tmux key names (Enter, Escape, Tab, C-c, Down) or single characters, one after the other */
  keys(...keys: string[]): Promise<void>;
  /** types text literally */
  type(text: string): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** waits until the screen satisfies the check; fails with the last screen */
  waitFor(check: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** whether the program in the pane has ended */
  exited(): Promise<boolean>;
  /** the exit status of the ended program (128 + N when a signal N ended it) */
  deadStatus(): Promise<number>;
  /** the pid of the program in the pane */
  pid(): Promise<number>;
  kill(): Promise<void>;
}

export interface TmuxOptions {
  columns: number;
  rows: number;
  cwd: string;
  env: Record<string, string>;
  /** the program and its arguments (run through sh -c, so keep them to plain words) */
  command: string[];
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function startTmux(options: TmuxOptions): Promise<TmuxSession> {
  const socket = `ifq-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { timeout: 10_000 });
  const env = Object.entries(options.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  // tmux's own #{pane_dead_status} is unreliable (seen empty after a plain exit(7) here, and a pane is
  // marked dead when its terminal closes, possibly before the program exits): a shell waits for the
  // program and writes its status to a file. The shell's traps run handlers (they are not ignores), so
  // the program still gets a terminal's SIGINT as usual, and the shell outlives it to write the status.
  const statusFile = path.join(tmpdir(), `${socket}.status`);
  const script = `trap : INT TERM HUP QUIT; cd ${shellQuote(options.cwd)} && env ${env} ${options.command.map(shellQuote).join(' ')}; echo $? > ${shellQuote(statusFile)}`;
  await tmux('new-session', '-d', '-s', 'main', '-x', String(options.columns), '-y', String(options.rows), 'sh', '-c', script);
  // Keep the pane (and its exit status) after the program ends, and pin the window to the requested size.
  await tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
  await tmux('set-option', '-t', 'main', 'window-size', 'manual');
  await tmux('set-option', '-g', 'status', 'off');
  const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();

  const session: TmuxSession = {
    async capture({ ansi = false } = {}) {
      const { stdout } = await tmux('capture-pane', '-p', ...(ansi ? ['-e'] : []), '-t', 'main');
      return stdout;
    },
    async keys(...keys) {
      for (const key of keys) {
        await tmux('send-keys', '-t', 'main', key);
        await new Promise((r) => setTimeout(r, 60));
      }
    },
    async type(text) {
      await tmux('send-keys', '-t', 'main', '-l', text);
      await new Promise((r) => setTimeout(r, 60));
    },
    async resize(columns, rows) {
      await tmux('resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows));
    },
    async waitFor(check, timeoutMs = 20_000) {
      const test = typeof check === 'function' ? check : (s: string) => (typeof check === 'string' ? s.includes(check) : check.test(s));
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      for (;;) {
        screen = await session.capture();
        if (test(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(check)}; the screen was:\n${screen}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async exited() {
      const { stdout } = await tmux('display-message', '-p', '-t', 'main', '#{pane_dead}');
      return stdout.trim() === '1';
    },
    async deadStatus() {
      for (let i = 0; ; i++) {
        const text = await readFile(statusFile, 'utf8').catch(() => '');
        if (/^\d+\n$/.test(text)) return Number(text);
        if (i >= 100) throw new Error('the program in the pane left no exit status');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async pid() {
      // the pane runs the status-writing shell; the program is its child
      const shell = Number((await tmux('display-message', '-p', '-t', 'main', '#{pane_pid}')).stdout.trim());
      for (let i = 0; i < 100; i++) {
        const children = (await readFile(`/proc/${shell}/task/${shell}/children`, 'utf8').catch(() => '')).trim();
        if (children) return Number(children.split(/\s+/)[0]);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the pane's shell (pid ${shell}) has no program running`);
    },
    async kill() {
      await tmux('kill-server').catch(() => {});
      // tmux leaves its socket file behind
      if (socketPath) await rm(socketPath, { force: true });
      await rm(statusFile, { force: true });
    },
  };
  return session;
}

/** The exit status of the program once the pane is dead. */
export async function paneExitStatus(session: TmuxSession, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await session.exited())) {
    if (Date.now() > deadline) throw new Error('the program did not exit');
    await new Promise((r) => setTimeout(r, 100));
  }
  return session.deadStatus();
}

function selectedLine(screen: string): string | undefined {
  return screen.split('\n').find((line) => line.startsWith('›'));
}

/** Moves the list selection (›) down from the top until its row contains `text`, one key at a time, each seen on screen. */
export async function selectRow(session: TmuxSession, text: string, maxSteps = 60): Promise<void> {
  await session.keys('g');
  let current = selectedLine(await session.waitFor((s) => selectedLine(s) !== undefined));
  await new Promise((r) => setTimeout(r, 200));
  current = selectedLine(await session.capture());
  for (let i = 0; i <= maxSteps; i++) {
    if (current?.includes(text)) return;
    const before = current;
    await session.keys('j');
    // The dashboard answers asynchronously: judge the selection only once the screen shows the move.
    const screen = await session.waitFor((s) => selectedLine(s) !== before, 3000).catch(() => null);
    if (!screen) break;
    current = selectedLine(screen);
  }
  throw new Error(`no row with ${text}:\n${await session.capture()}`);
}
