// Unpacks an archive with the configured extractor into a fresh directory, checks what came out,
// and packs the regular files into a zip for the in-browser interpreter.
import { accessSync, constants, createWriteStream, type Stats } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { isPermanent, PermanentError } from '../../runner/errors.ts';
import { runChild } from '../../runner/exec.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { TasksConfig } from '../config.ts';
import { isPermanentFsError } from '../files/local-errors.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../files/modes.ts';
import { removeTree } from '../files/remove-tree.ts';

export { removeTree };
import { checkRatio, DuplicateNames, entryLabel, inspectArchive, type ListingSummary } from './archive-listing.ts';
import { measureTree, type TreeMeasure, watchTree } from './archive-watch.ts';

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

export interface VerifiedTree {
  files: UnpackedFile[];
  entries: number;
  bytes: number;
  /** FIFOs, sockets and devices found in the tree: skipped, never packed */
  special: { relative: string; kind: string }[];
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  return 'special file';
}

/**
 * Walks the unpacked tree with lstat: directories and single-linked regular files are kept; links
 * are refused; FIFOs, sockets and devices are listed and skipped; names that differ only in case or
 * normalisation are refused. Limits apply to what is on disk, not to what the archive declared.
 */
export async function verifyTree(root: string, limits: { entries: number; bytes: number }): Promise<VerifiedTree> {
  const files: UnpackedFile[] = [];
  const special: VerifiedTree['special'] = [];
  const names = new DuplicateNames();
  let entries = 0;
  let bytes = 0;
  const pending = [''];
  while (pending.length > 0) {
    const relativeDir = pending.pop()!;
    const dirNames = (await readdir(path.join(root, relativeDir))).sort();
    for (const name of dirNames) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const absolute = path.join(root, relative);
      const info = await lstat(absolute);
      if (++entries > limits.entries) throw new PermanentError(`archive has more than ${limits.entries} entries`);
      if (info.isSymbolicLink()) throw new PermanentError(`archive entry ${entryLabel(relative)} is a symbolic link`);
      names.add(relative);
      if (info.isDirectory()) {
        pending.push(relative);
        continue;
      }
      if (!info.isFile()) {
        special.push({ relative, kind: specialKind(info) });
        continue;
      }
      if (info.nlink > 1) throw new PermanentError(`archive entry ${entryLabel(relative)} is a hard link`);
      bytes += info.size;
      if (bytes > limits.bytes) throw new PermanentError(`archive unpacks to more than ${limits.bytes} bytes`);
      files.push({ absolute, relative, size: info.size });
    }
  }
  return { files, entries, bytes, special };
}

async function zipFiles(files: UnpackedFile[], destination: string, signal: AbortSignal): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addFile(file.absolute, file.relative, { compress: true });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(destination, { flags: 'wx', mode: PRIVATE_FILE_MODE }), { signal });
}

/** Slack over the declared sizes before an archive counts as lying (formats round, resource forks…). */
const declaredSlack = (declared: number) => 1024 * 1024 + Math.ceil(declared / 100);

let prlimitPath: string | null | undefined;
/** util-linux `prlimit`, used to cap each file the extractor writes in the kernel; null when absent. */
function findPrlimit(): string | null {
  if (prlimitPath !== undefined) return prlimitPath;
  prlimitPath = null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    try {
      accessSync(path.join(dir, 'prlimit'), constants.X_OK);
      prlimitPath = path.join(dir, 'prlimit');
      break;
    } catch {}
  }
  return prlimitPath;
}

interface OutputBudget {
  entries: number;
  bytes: number;
  /** the archive's own declaration, when every file entry declared a size */
  declared: number | null;
  packedBytes: number;
}

/** Throws (permanently) when what is on disk breaks the budget: entries, bytes, the declaration, the ratio. */
function checkOutput(measure: TreeMeasure, budget: OutputBudget): void {
  if (measure.entries > budget.entries) throw new PermanentError(`archive has more than ${budget.entries} entries`);
  if (budget.declared !== null && measure.bytes > budget.declared + declaredSlack(budget.declared)) {
    throw new PermanentError(`archive headers declare ${budget.declared} bytes but it unpacks to more (${measure.bytes} bytes written before it was stopped): the headers lie`);
  }
  if (measure.bytes > budget.bytes) throw new PermanentError(`archive unpacks to more than ${budget.bytes} bytes`);
  checkRatio(measure.bytes, budget.packedBytes);
}

/** Runs the extractor while watching its output; stops it (and its process group) at the first breach. */
async function extractWatched(command: string[], outDir: string, cwd: string, budget: OutputBudget, timeoutMs: number, ctx: TaskContext): Promise<void> {
  const stop = new AbortController();
  let breach: Error | null = null;
  const watching = watchTree(outDir, (m) => checkOutput(m, budget), (error) => {
    breach = error;
    stop.abort();
  }, AbortSignal.any([ctx.signal, stop.signal]));
  // The kernel refuses a single file beyond the budget even between two looks of the watcher.
  const fileCap = Math.min(budget.bytes, budget.declared === null ? Infinity : budget.declared + declaredSlack(budget.declared)) + 1;
  const prlimit = findPrlimit();
  const [file, ...args] = prlimit ? [prlimit, `--fsize=${fileCap}`, '--', ...command] : command;
  const sink = (stream: 'stdout' | 'stderr', line: string) => ctx.log[stream === 'stderr' ? 'warn' : 'info'](line);
  try {
    await runChild(file, args, sink, AbortSignal.any([ctx.signal, stop.signal]), { cwd, timeoutMs, maxOutputBytes: 256 * 1024 });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (breach) throw breach;
    // killed by the file-size cap, or failed for another reason: say which
    checkOutput(await measureTree(outDir), budget);
    throw new PermanentError(`extractor failed: ${(error as Error).message}`, { cause: error });
  } finally {
    stop.abort();
    await watching;
  }
  if (breach) throw breach;
}

/** Local file-system errors while reading the unpacked tree come from the archive: permanent. */
function permanentIfLocal(error: unknown): unknown {
  if (isPermanent(error) || !isPermanentFsError(error)) return error;
  const e = error as NodeJS.ErrnoException;
  return new PermanentError(`cannot read the unpacked archive: ${e.code} (${e.syscall})`, { cause: error });
}

/**
 * Unpacks `archive` under a fresh temporary directory in config.tmpDir and writes a deflate zip of its
 * regular files to `zipPath`. The temporary directory is always removed; `zipPath` is removed on failure.
 */
export async function repackArchive(config: TasksConfig, archive: string, zipPath: string, ctx: TaskContext): Promise<RepackResult> {
  const limits = { entries: config.limits.archiveEntries, bytes: config.limits.archiveBytes, timeoutMs: config.limits.extractorTimeoutMs };
  const packedBytes = (await stat(archive)).size;
  await mkdir(config.tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const work = await mkdtemp(path.join(config.tmpDir, 'recode-'));
  try {
    const lister = listerFor(config.extractor);
    let listing: ListingSummary | null = null;
    if (lister) {
      listing = await inspectArchive(lister, archive, packedBytes, limits, ctx.signal);
      ctx.log.info(`archive listing: ${listing.entries} entries, ${listing.declaredBytes} bytes declared`);
    }
    const outDir = path.join(work, 'out');
    await mkdir(outDir, { mode: PRIVATE_DIR_MODE });
    const command = config.extractor.map((a) => a.replaceAll('%ARCHIVE%', archive).replaceAll('%OUTDIR%', outDir));
    const budget: OutputBudget = { entries: limits.entries, bytes: limits.bytes, declared: listing?.declaredComplete ? listing.declaredBytes : null, packedBytes };
    const started = Date.now();
    await extractWatched(command, outDir, work, budget, limits.timeoutMs, ctx);
    let tree: VerifiedTree;
    try {
      tree = await verifyTree(outDir, limits);
    } catch (error) {
      throw permanentIfLocal(error);
    }
    checkOutput(tree, budget);
    // unar writes device nodes and FIFOs as empty regular files: the listing says which they were
    const listedSpecial = new Map((listing?.special ?? []).map((e) => [e.name, e.kind]));
    const skipped = [...tree.special.map((e) => `${entryLabel(e.relative)} (${e.kind})`), ...tree.files.filter((f) => listedSpecial.has(f.relative)).map((f) => `${entryLabel(f.relative)} (${listedSpecial.get(f.relative)})`)];
    const files = tree.files.filter((f) => !listedSpecial.has(f.relative));
    if (skipped.length > 0) ctx.log.warn(`skipped ${skipped.length} entries that are not regular files (not packed): ${skipped.slice(0, 20).join(', ')}${skipped.length > 20 ? ', …' : ''}`);
    if (files.length === 0) throw new PermanentError('archive contains no files');
    ctx.log.info(`unpacked ${files.length} files (${tree.entries} entries, ${tree.bytes} bytes) in ${Date.now() - started} ms`);
    try {
      await zipFiles(files, zipPath, ctx.signal);
    } catch (error) {
      await rm(zipPath, { force: true });
      throw permanentIfLocal(error);
    }
    const zipBytes = (await stat(zipPath)).size;
    return { entries: tree.entries, files: files.length, unpackedBytes: tree.bytes, zipBytes };
  } finally {
    await removeTree(work);
  }
}
