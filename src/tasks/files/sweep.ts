// Temporary files a killed process left behind: `.ifqueue-*.part` in the stores (downloads and
// recodes being written) and `recode-*` extraction directories. Only those older than the longest
// attempt of a file task are removed: a younger one may belong to a job running right now.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TasksConfig } from '../config.ts';
import { removeTree } from './remove-tree.ts';
import { storeDir } from './store.ts';

export const PART_FILE = /^\.ifqueue-[0-9a-f]+\.part$/;
const EXTRACTION_DIR = /^recode-/;

export interface SweepReport {
  removed: string[];
}

async function sweepDir(dir: string, pattern: RegExp, olderThanMs: number, now: number, removed: string[], dryRun: boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const full = path.join(dir, name);
    const info = await lstat(full).catch(() => null);
    if (!info || now - info.mtimeMs < olderThanMs) continue;
    if (!dryRun) await removeTree(full).catch(() => {});
    removed.push(full);
  }
}

/** Removes stale temporaries of the file tasks (or only lists them, dryRun); returns them. */
export async function sweepTemporaries(config: TasksConfig, olderThanMs: number, options: { now?: number; dryRun?: boolean } = {}): Promise<SweepReport> {
  const removed: string[] = [];
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun ?? false;
  for (const store of ['backups', 'recodes'] as const) await sweepDir(storeDir(config, store), PART_FILE, olderThanMs, now, removed, dryRun);
  await sweepDir(config.tmpDir, EXTRACTION_DIR, olderThanMs, now, removed, dryRun);
  return { removed };
}

/** No attempt of clone-file or recode-game lives longer than this (their expireSeconds). */
export function staleAfterMs(config: TasksConfig): number {
  const cloneMs = config.limits.requestTimeoutMs + 300_000;
  const recodeMs = 3 * config.limits.extractorTimeoutMs + 300_000;
  return Math.max(cloneMs, recodeMs);
}
