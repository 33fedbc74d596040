// How the daemon and the dashboard end. The first stop request is the graceful stop (running jobs
// get the shutdown timeout; the runner stops first, then the database). The second hurries the
// runner (running jobs are returned now) and the process exits within SECOND_REQUEST_EXIT_MS
// whatever the runner does; a third exits at once. While the database is unreachable nothing can be
// recorded, so quitting then exits within DATABASE_DOWN_EXIT_MS. Once the stop is done the process
// exits even when a library left a timer running (a dashboard once sat on a blank screen for 20
// minutes after quitting while the database was down).

export const SECOND_REQUEST_EXIT_MS = 2000;
export const DATABASE_DOWN_EXIT_MS = 4500;
/** after a finished stop: time for output and sockets to close before the exit is forced */
const LINGER_MS = 1000;
/** a forced exit still leaves the embedded database when that is quick (it stops it if we were last) */
const RELEASE_MS = 400;

export interface ShutdownOptions {
  /** runner.hurry(): stop waiting for running jobs */
  hurry(): void;
  /** whether the database answered last time we heard */
  databaseUp(): boolean;
  /** before a forced exit; bounded by RELEASE_MS */
  release?(): Promise<unknown>;
  /** a forced exit is about to happen, and why */
  onForced?(why: string): void;
  exit?(code: number): void;
}

export class Shutdown {
  private requests = 0;
  private deadline = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private readonly exit: (code: number) => void;

  constructor(private readonly o: ShutdownOptions) {
    this.exit = o.exit ?? ((code) => process.exit(code));
  }

  get count(): number {
    return this.requests;
  }

  /** One stop request (a signal, Ctrl+C, q); returns which one it was (1, 2, 3, …). */
  request(): number {
    const n = ++this.requests;
    if (n === 1) {
      if (!this.o.databaseUp()) this.bound(DATABASE_DOWN_EXIT_MS, 'the database is unreachable');
    } else if (n === 2) {
      this.o.hurry();
      this.bound(SECOND_REQUEST_EXIT_MS, `still stopping ${SECOND_REQUEST_EXIT_MS / 1000} s after the second request`);
    } else {
      void this.force('asked to stop a third time');
    }
    return n;
  }

  /** The database went away: a stop already under way must not wait for it. */
  databaseDown(): void {
    if (this.requests > 0) this.bound(DATABASE_DOWN_EXIT_MS, 'the database is unreachable');
  }

  /** The graceful stop is over: exit with `code` once output is written (forced after LINGER_MS). */
  finish(code: number): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    process.exitCode = code;
    setTimeout(() => this.exit(code), LINGER_MS).unref();
  }

  private bound(ms: number, why: string): void {
    const at = Date.now() + ms;
    if (at >= this.deadline || this.done) return;
    this.deadline = at;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.force(why), ms);
  }

  private async force(why: string): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.o.onForced?.(why);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.o.release?.().catch(() => {}), new Promise((r) => (timer = setTimeout(r, RELEASE_MS)))]);
    clearTimeout(timer);
    this.exit(FORCED_EXIT_CODE);
  }
}

/** Exit code of a stop that was cut short (as for SIGINT). */
export const FORCED_EXIT_CODE = 130;
