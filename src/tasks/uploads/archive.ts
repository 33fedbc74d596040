// Unpacks an archive with the configured extractor into a fresh directory, checks what came out,
// and packs the regular files into a zip for the in-browser interpreter.
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { PermanentError } from '../../runner/errors.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { TasksConfig } from '../config.ts';
import { checkRatio, inspectArchive, type ListingSummary } from './archive-listing.ts';

export interface UnpackedFile {
  absolute: string;
  /** path inside the archive, `/`-separated */
  relative: string;
  size: number;
}

export interface RepackResult {
  entries: number;
  files: number;
  unpackedBytes: number;
  zipBytes: number;
}

/** `lsar` beside a configured `unar`, or null for other extractors (which get only the after-check). */
export function listerFor(extractor: readonly string[]): string | null {
  const program = extractor[0];
  if (path.basename(program) !== 'unar') return null;
  return program.includes('/') ? path.join(path.dirname(program), 'lsar') : 'lsar';
}

/** Walks the unpacked tree with lstat: only directories and single-linked regular files may appear. */
export async function verifyTree(root: string, limits: { entries: number; bytes: number }): Promise<{ files: UnpackedFile[]; entries: number; bytes: number }> {
  const files: UnpackedFile[] = [];
  let entries = 0;
  let bytes = 0;
  const pending = [''];
  while (pending.length > 0) {
    const relativeDir = pending.pop()!;
    const names = (await readdir(path.join(root, relativeDir))).sort();
    for (const name of names) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const absolute = path.join(root, relative);
      const info = await lstat(absolute);
      if (++entries > limits.entries) throw new PermanentError(`archive has more than ${limits.entries} entries`);
      if (info.isSymbolicLink()) throw new PermanentError(`archive entry "${relative}" is a symbolic link`);
      if (info.isDirectory()) {
        pending.push(relative);
        continue;
      }
      if (!info.isFile()) throw new PermanentError(`archive entry "${relative}" is a special file`);
      if (info.nlink > 1) throw new PermanentError(`archive entry "${relative}" is a hard link`);
      bytes += info.size;
      if (bytes > limits.bytes) throw new PermanentError(`archive unpacks to more than ${limits.bytes} bytes`);
      files.push({ absolute, relative, size: info.size });
    }
  }
  return { files, entries, bytes };
}

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
    await rm(root, { recursive: true, force: true });
  }
}

async function zipFiles(files: UnpackedFile[], destination: string, signal: AbortSignal): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addFile(file.absolute, file.relative, { compress: true });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(destination, { flags: 'wx' }), { signal });
}

/**
 * Unpacks `archive` under a fresh temporary directory in config.tmpDir and writes a deflate zip of its
 * regular files to `zipPath`. The temporary directory is always removed; `zipPath` is removed on failure.
 */
export async function repackArchive(config: TasksConfig, archive: string, zipPath: string, ctx: TaskContext): Promise<RepackResult> {
  const limits = { entries: config.limits.archiveEntries, bytes: config.limits.archiveBytes, timeoutMs: config.limits.extractorTimeoutMs };
  const packedBytes = (await stat(archive)).size;
  await mkdir(config.tmpDir, { recursive: true });
  const work = await mkdtemp(path.join(config.tmpDir, 'recode-'));
  try {
    const lister = listerFor(config.extractor);
    let listing: ListingSummary | null = null;
    if (lister) {
      listing = await inspectArchive(lister, archive, packedBytes, limits, ctx.signal);
      ctx.log.info(`archive listing: ${listing.entries} entries, ${listing.declaredBytes} bytes declared`);
    }
    const outDir = path.join(work, 'out');
    await mkdir(outDir);
    const [file, ...args] = config.extractor.map((a) => a.replaceAll('%ARCHIVE%', archive).replaceAll('%OUTDIR%', outDir));
    const started = Date.now();
    try {
      await ctx.exec(file, args, { cwd: work, timeoutMs: limits.timeoutMs, maxOutputBytes: 256 * 1024 });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      throw new PermanentError(`extractor failed: ${(error as Error).message}`, { cause: error });
    }
    const tree = await verifyTree(outDir, limits);
    checkRatio(tree.bytes, packedBytes);
    if (tree.files.length === 0) throw new PermanentError('archive contains no files');
    ctx.log.info(`unpacked ${tree.files.length} files (${tree.entries} entries, ${tree.bytes} bytes) in ${Date.now() - started} ms`);
    try {
      await zipFiles(tree.files, zipPath, ctx.signal);
    } catch (error) {
      await rm(zipPath, { force: true });
      throw error;
    }
    const zipBytes = (await stat(zipPath)).size;
    return { entries: tree.entries, files: tree.files.length, unpackedBytes: tree.bytes, zipBytes };
  } finally {
    await removeTree(work);
  }
}
