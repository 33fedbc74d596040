// Explicit permissions for everything the file tasks create, whatever the process umask (a umask
// of 000 made backups world-writable): published files readable by the web server, work files private.
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Files IFDB serves (backups, recodes). */
export const PUBLISHED_FILE_MODE = 0o644;
/** Directories of the stores. */
export const PUBLISHED_DIR_MODE = 0o755;
/** Files while they are being written (downloads, recodes before placement). */
export const PRIVATE_FILE_MODE = 0o600;
/** Temporary and extraction directories. */
export const PRIVATE_DIR_MODE = 0o700;

/** mkdir -p with `mode` on every directory it creates (mkdir's own mode is filtered by the umask). */
export async function makeDirectory(dir: string, mode: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode });
  if (first === undefined) return;
  for (let current = dir; ; current = path.dirname(current)) {
    await chmod(current, mode);
    if (current === first || path.dirname(current) === current) break;
  }
}
