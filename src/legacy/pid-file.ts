// Opt-in: the bridge writes its own pid into IFDB's WORKER_PID_FILE, so Django's Enqueue() wakes it
// with SIGUSR1. The previous content is put back when the bridge stops (or the process exits),
// unless someone else (a restarted old worker) has written the file since.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export interface PidFileLease {
  release(): void;
}

function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.ifqueue-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function takeOverPidFile(path: string): PidFileLease {
  const original = read(path);
  const ours = String(process.pid);
  writeAtomically(path, ours);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (read(path)?.trim() !== ours) return;
    try {
      if (original === null) unlinkSync(path);
      else writeAtomically(path, original);
    } catch {
      // the directory went away or became read-only: nothing sensible left to do
    }
  };
  process.on('exit', release);
  return { release };
}
