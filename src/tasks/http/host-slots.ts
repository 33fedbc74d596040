// At most N requests in flight per host, so one task cannot hammer a small site.

export class HostSlots {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly perHost: number) {}

  /** Waits for a free slot for `host`; the returned function frees it (idempotent). */
  async acquire(host: string, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if ((this.active.get(host) ?? 0) >= this.perHost) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(host) ?? [];
        this.waiting.set(host, queue);
        const onAbort = () => {
          const at = queue.indexOf(wake);
          if (at >= 0) queue.splice(at, 1);
          reject(signal.reason);
        };
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        queue.push(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.active.set(host, (this.active.get(host) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(host)?.shift();
      // the slot passes straight to the next waiter, so the count stays as it is
      if (next) return next();
      const count = (this.active.get(host) ?? 1) - 1;
      if (count > 0) this.active.set(host, count);
      else {
        this.active.delete(host);
        this.waiting.delete(host);
      }
    };
  }
}

const shared = new Map<number, HostSlots>();

/** One slot table per limit for the whole process: every client of every task family shares it. */
export function sharedHostSlots(perHost: number): HostSlots {
  let slots = shared.get(perHost);
  if (!slots) shared.set(perHost, (slots = new HostSlots(perHost)));
  return slots;
}
