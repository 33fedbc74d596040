// Follows a job's log: subscribes first, then reads what is stored, then applies live batches,
// so no line written between the read and the subscription is missed or repeated.
import type { EventHub } from './events.ts';
import type { Queries } from './queries.ts';
import type { LogLine } from './types.ts';

export async function followLog(
  hub: EventHub,
  queries: Queries,
  jobId: string,
  onLines: (lines: LogLine[]) => void,
  options: { attempt?: number } = {},
): Promise<() => void> {
  const lastSeq = new Map<number, number>();
  let ready = false;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const pending: { attempt: number; fromSeq: number; toSeq: number; lines?: LogLine[] }[] = [];

  const deliver = (lines: LogLine[]) => {
    const fresh = lines.filter((l) => l.seq > (lastSeq.get(l.attempt) ?? 0));
    if (!fresh.length) return;
    for (const l of fresh) lastSeq.set(l.attempt, Math.max(lastSeq.get(l.attempt) ?? 0, Math.ceil(l.seq)));
    if (!closed) onLines(fresh);
  };

  const catchUp = async (attempt: number) => {
    for (;;) {
      const after = lastSeq.get(attempt) ?? 0;
      const lines = await queries.getLog(jobId, { attempt, afterSeq: after, limit: 5000 });
      deliver(lines);
      if (lines.length < 5000) return;
    }
  };

  const apply = (ev: { attempt: number; fromSeq: number; toSeq: number; lines?: LogLine[] }) => {
    if (options.attempt !== undefined && ev.attempt !== options.attempt) return;
    const last = lastSeq.get(ev.attempt) ?? 0;
    if (ev.toSeq <= last) return;
    if (ev.lines && ev.fromSeq <= last + 1) deliver(ev.lines);
    else chain = chain.then(() => catchUp(ev.attempt)).catch(() => {});
  };

  const off = hub.on('log:lines', (ev) => {
    if (ev.jobId !== jobId) return;
    if (!ready) pending.push(ev);
    else apply(ev);
  });
  const offResync = hub.onResync(() => {
    chain = chain
      .then(async () => {
        for (const attempt of lastSeq.keys()) await catchUp(attempt);
      })
      .catch(() => {});
  });

  try {
    const initial = await queries.getLog(jobId, options.attempt !== undefined ? { attempt: options.attempt } : {});
    deliver(initial);
  } catch (error) {
    off();
    offResync();
    throw error;
  }
  ready = true;
  for (const ev of pending.splice(0)) apply(ev);
  return () => {
    closed = true;
    off();
    offResync();
  };
}
