// Requests to stop (SIGTERM, SIGINT, SIGHUP), one per signal whatever launched us.
//
// On an old Node, bin/ifqueue.js runs the CLI as the child of a small launcher. A terminal's Ctrl+C
// reaches both (one process group), and the launcher also forwards what it receives — over its IPC
// channel, as a message, so that a signal sent to the launcher alone is not lost. The same signal
// arriving both ways within TWIN_MS is one request (two deliberate presses closer than that count as
// one: a third press then hurries the stop). When the launcher dies, even by SIGKILL, its IPC
// channel closes: that is an urgent request, so no daemon outlives its launcher under init.
//
// Without a handler (a one-shot command) a request ends the process by its signal, as Node would.

/** `reason` says what happened: "received SIGTERM", "the launcher exited" */
export type StopHandler = (reason: string) => void;

type Source = 'direct' | 'launcher';
type StopSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

const SIGNALS: StopSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
/** The two copies of one Ctrl+C arrive milliseconds apart; a loaded machine may delay the launcher's copy. */
const TWIN_MS = 1000;

const handlers = new Set<StopHandler>();
const unmatched: { source: Source; signal: StopSignal; at: number }[] = [];
const direct = new Map<StopSignal, () => void>();
let installed = false;

function request(reason: string, signal: StopSignal): void {
  if (handlers.size === 0) {
    // Node's default for these signals: end the process by the signal
    for (const [s, listener] of direct) process.removeListener(s, listener);
    process.kill(process.pid, signal);
    return;
  }
  for (const h of [...handlers]) h(reason);
}

function receive(source: Source, signal: StopSignal): void {
  const now = Date.now();
  while (unmatched.length && now - unmatched[0].at > TWIN_MS) unmatched.shift();
  const twin = unmatched.findIndex((e) => e.signal === signal && e.source !== source);
  if (twin >= 0) {
    unmatched.splice(twin, 1);
    return;
  }
  unmatched.push({ source, signal, at: now });
  request(`received ${signal}`, signal);
}

/** Installs the routing once, as early as possible (main()); idempotent. */
export function installSignalRouting(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) {
    const listener = () => receive('direct', signal);
    direct.set(signal, listener);
    process.on(signal, listener);
  }
  if (process.env.IFQUEUE_LAUNCHER_PID && process.send) {
    delete process.env.IFQUEUE_LAUNCHER_PID;
    process.on('message', (message: unknown) => {
      const signal = (message as { ifqueueSignal?: StopSignal } | null)?.ifqueueSignal;
      if (signal && SIGNALS.includes(signal)) receive('launcher', signal);
    });
    process.on('disconnect', () => {
      // Nobody is left to wait for a graceful stop: stop, and return running jobs at once.
      request('the launcher exited', 'SIGHUP');
      request('the launcher exited', 'SIGHUP');
    });
    // the channel must not keep a finished command alive
    process.channel?.unref();
  }
}

/** Calls `handler` once per stop request (the caller counts them); returns the unsubscribe. */
export function onStopRequest(handler: StopHandler): () => void {
  installSignalRouting();
  handlers.add(handler);
  return () => handlers.delete(handler);
}
