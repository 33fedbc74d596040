// Errors of the local file system are the machine's or the input's, not the network's: retrying the
// job minutes later cannot make a mode-000 directory readable or a path shorter. Resource
// exhaustion (a full disk, too many open files) may pass, so it stays transient.

const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EBUSY', 'EIO', 'EINTR']);

/** The errno code of a Node file-system error, or null for anything else. */
export function fsErrorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof syscall === 'string' ? code : null;
}

/** Whether a file-system error should fail the job for good. */
export function isPermanentFsError(error: unknown): boolean {
  const code = fsErrorCode(error);
  return code !== null && !TRANSIENT.has(code);
}
