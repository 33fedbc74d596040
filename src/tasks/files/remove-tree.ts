// Removes a directory tree that an archive may have made hostile: directories without write or
// search permission, and paths deeper than PATH_MAX.
import { chmod, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Removes a tree even when the archive left directories without write or search permission. */
export async function removeTree(root: string): Promise<void> {
  try {
    await rm(root, { recursive: true, force: true });
  } catch {
    const dirs = [root];
    while (dirs.length > 0) {
      const dir = dirs.pop()!;
      await chmod(dir, 0o700).catch(() => {});
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) if (entry.isDirectory()) dirs.push(path.join(dir, entry.name));
    }
    try {
      await rm(root, { recursive: true, force: true });
    } catch {
      // Deeper than PATH_MAX: Node's rm works on whole paths, GNU rm walks with openat.
      await execa('rm', ['-rf', '--', root], { reject: false });
    }
  }
}
