// A LISTEN connection on the legacy channel (insert trigger, bridge switch), held from the runner's
// pool. Reconnects by itself and calls back after a reconnect too, since notifications may have been
// missed meanwhile.
import type pg from 'pg';
import { abortableSleep } from '../runner/sleep.ts';
import { LEGACY_CHANNEL } from './store.ts';

export interface LegacyListener {
  stop(): Promise<void>;
}

export function listenLegacy(pool: pg.Pool, onNotify: (payload: string) => void, onError: (error: unknown) => void): LegacyListener {
  const abort = new AbortController();
  let client: pg.PoolClient | null = null;
  const loop = (async () => {
    let delay = 250;
    let connectedBefore = false;
    let reported = false;
    while (!abort.signal.aborted) {
      let broken = false;
      let detach = () => {};
      try {
        client = await pool.connect();
        const c = client;
        let onLost = () => {};
        const lost = new Promise<void>((resolve) => (onLost = () => resolve()));
        const onNotification = (m: { channel: string; payload?: string }) => {
          if (m.channel === LEGACY_CHANNEL) onNotify(m.payload ?? '');
        };
        c.on('end', onLost);
        c.on('error', onLost);
        c.on('notification', onNotification);
        // A healthy client goes back to the pool: it must not keep our listeners.
        detach = () => {
          c.off('end', onLost);
          c.off('error', onLost);
          c.off('notification', onNotification);
        };
        await c.query(`LISTEN ${LEGACY_CHANNEL}`);
        if (connectedBefore) onNotify('reconnected');
        connectedBefore = true;
        reported = false;
        delay = 250;
        await Promise.race([lost, new Promise((r) => abort.signal.addEventListener('abort', r, { once: true }))]);
        broken = !abort.signal.aborted;
      } catch (error) {
        broken = true;
        if (!reported && !abort.signal.aborted) onError(error);
        reported = true;
      }
      const old = client;
      client = null;
      if (old) {
        if (!broken) await old.query(`UNLISTEN ${LEGACY_CHANNEL}`).catch(() => (broken = true));
        detach();
        old.release(broken ? true : undefined);
      }
      if (abort.signal.aborted) break;
      await abortableSleep(delay, abort.signal);
      delay = Math.min(delay * 2, 5000);
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
