// Watches what an extractor really writes, while it writes: entry count and bytes of the output
// tree, checked against the limits every few tens of milliseconds, so an archive whose headers
// lie (16 bytes declared, gigabytes inflated) is stopped early instead of being trusted.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { abortableSleep } from '../../runner/sleep.ts';

export interface TreeMeasure {
  entries: number;
  bytes: number;
}

/** Counts entries and regular-file bytes below `root`; parts that vanish or cannot be read are skipped. */
export async function measureTree(root: string): Promise<TreeMeasure> {
  let entries = 0;
  let bytes = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const info = await lstat(path.join(dir, name)).catch(() => null);
      if (!info) continue;
      entries++;
      if (info.isDirectory()) pending.push(path.join(dir, name));
      else if (info.isFile()) bytes += info.size;
    }
  }
  return { entries, bytes };
}

const MIN_INTERVAL_MS = 50;

/**
 * Measures `root` until `signal` fires, calling `check` with each measure; the first error `check`
 * throws is passed to `onBreach` and the watch ends.
 */
export async function watchTree(root: string, check: (measure: TreeMeasure) => void, onBreach: (error: Error) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const started = performance.now();
    const measure = await measureTree(root);
    try {
      check(measure);
    } catch (error) {
      onBreach(error as Error);
      return;
    }
    // a large tree costs more to walk: never spend more than a third of the time walking it
    const interval = Math.max(MIN_INTERVAL_MS, 2 * (performance.now() - started));
    await abortableSleep(interval, signal).catch(() => {});
  }
}
