// Looks into an archive with unar's `lsar` before anything is unpacked: entry count, declared sizes,
// links, duplicate names and paths that would leave the output directory are refused up front;
// device nodes and FIFOs are listed so that what the extractor makes of them is never packed.
import { runChild } from '../../runner/exec.ts';
import { PermanentError } from '../../runner/errors.ts';

export interface ArchiveLimits {
  entries: number;
  bytes: number;
  timeoutMs: number;
}

/** Unpacked/packed ratio above which an archive counts as a bomb (once it unpacks to more than RATIO_FLOOR). */
export const MAX_RATIO = 200;
export const RATIO_FLOOR = 16 * 1024 * 1024;
const MAX_LISTING_BYTES = 256 * 1024 * 1024;

interface LsarEntry {
  XADFileName?: string;
  XADFileSize?: number;
  XADIsDirectory?: number;
  XADIsLink?: number;
  XADIsHardLink?: number;
  XADIsCharacterDevice?: number;
  XADIsBlockDevice?: number;
  XADIsFIFO?: number;
}

/** An entry that is not a regular file, directory or link (unar writes these as empty files). */
export interface SpecialEntry {
  /** `/`-separated, as it lands below the output directory */
  name: string;
  kind: 'character device' | 'block device' | 'FIFO';
}

export interface ListingSummary {
  entries: number;
  /** sum of the declared sizes of the entries */
  declaredBytes: number;
  /** false when some file entry declares no size (declaredBytes is then a lower bound only) */
  declaredComplete: boolean;
  special: SpecialEntry[];
}

/** An entry name for a message: quoted and escaped (NUL, controls, lone surrogates), so the message itself is safe to store and print. */
export function entryLabel(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

/** An entry name as it lands below the output directory (no "./" prefix, no trailing "/"). */
export function landedName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** The key under which two names are the same file for someone: letter case and Unicode normalisation ignored. */
export function foldedName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Refuses a second entry whose name equals, or differs only in case or normalisation from, an earlier one. */
export class DuplicateNames {
  private readonly seen = new Map<string, string>();

  add(name: string): void {
    const key = foldedName(name);
    const earlier = this.seen.get(key);
    if (earlier === undefined) {
      this.seen.set(key, name);
      return;
    }
    if (earlier === name) throw new PermanentError(`archive has two entries named ${entryLabel(name)}: one would overwrite the other`);
    throw new PermanentError(`archive entries ${entryLabel(earlier)} and ${entryLabel(name)} differ only in letter case or Unicode normalisation`);
  }
}

/** Why a path inside an archive is unsafe, or null. */
export function unsafeEntryPath(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  if (/^([/\\]|[a-z]:)/i.test(name)) return 'is an absolute path';
  if (name.split(/[/\\]/).includes('..')) return 'climbs out of the output directory (..)';
  return null;
}

async function listLines(lister: string, args: string[], signal: AbortSignal, timeoutMs: number, onLine: (line: string) => boolean) {
  const stop = new AbortController();
  try {
    await runChild(lister, args, (_stream, line) => void (onLine(line) || stop.abort()), AbortSignal.any([signal, stop.signal]), {
      timeoutMs,
      maxOutputBytes: MAX_LISTING_BYTES,
    });
  } catch (error) {
    if (stop.signal.aborted && !signal.aborted) return;
    if (signal.aborted) throw error;
    throw new PermanentError(`cannot read the archive: ${(error as Error).message}`, { cause: error });
  }
}

/** Refuses the archive (PermanentError) unless its listing is within limits and free of links and escapes. */
export async function inspectArchive(lister: string, archive: string, archiveBytes: number, limits: ArchiveLimits, signal: AbortSignal): Promise<ListingSummary> {
  // Pass 1, streamed: count entries and stop the lister as soon as there are too many
  // (a JSON listing of 100 000 entries would take lsar half a minute to produce).
  let lines = 0;
  await listLines(lister, [archive], signal, limits.timeoutMs, () => ++lines <= limits.entries + 1);
  if (lines - 1 > limits.entries) throw new PermanentError(`archive has more than ${limits.entries} entries`);

  // Pass 2: the details, as JSON.
  const json: string[] = [];
  let size = 0;
  await listLines(lister, ['-j', archive], signal, limits.timeoutMs, (line) => {
    json.push(line);
    size += line.length + 1;
    return size <= MAX_LISTING_BYTES;
  });
  if (size > MAX_LISTING_BYTES) throw new PermanentError('archive listing is too large');
  let contents: LsarEntry[];
  try {
    contents = (JSON.parse(json.join('\n')) as { lsarContents?: LsarEntry[] }).lsarContents ?? [];
  } catch (error) {
    throw new PermanentError('cannot read the archive: unexpected listing', { cause: error });
  }
  if (contents.length > limits.entries) throw new PermanentError(`archive has more than ${limits.entries} entries`);
  let declaredBytes = 0;
  let declaredComplete = true;
  const special: SpecialEntry[] = [];
  const names = new DuplicateNames();
  for (const entry of contents) {
    const name = entry.XADFileName ?? '';
    const unsafe = unsafeEntryPath(name);
    if (unsafe) throw new PermanentError(`archive entry ${entryLabel(name)} ${unsafe}`);
    if (entry.XADIsHardLink) throw new PermanentError(`archive entry ${entryLabel(name)} is a hard link`);
    if (entry.XADIsLink) throw new PermanentError(`archive entry ${entryLabel(name)} is a symbolic link`);
    if (!entry.XADIsDirectory) names.add(landedName(name));
    const kind = entry.XADIsCharacterDevice ? 'character device' : entry.XADIsBlockDevice ? 'block device' : entry.XADIsFIFO ? 'FIFO' : null;
    if (kind) {
      special.push({ name: landedName(name), kind });
      continue;
    }
    if (!entry.XADIsDirectory && entry.XADFileSize === undefined) declaredComplete = false;
    declaredBytes += Math.max(0, entry.XADFileSize ?? 0);
    if (declaredBytes > limits.bytes) throw new PermanentError(`archive unpacks to more than ${limits.bytes} bytes`);
  }
  checkRatio(declaredBytes, archiveBytes);
  return { entries: contents.length, declaredBytes, declaredComplete, special };
}

export function checkRatio(unpackedBytes: number, packedBytes: number): void {
  if (unpackedBytes > RATIO_FLOOR && unpackedBytes / Math.max(1, packedBytes) > MAX_RATIO) {
    throw new PermanentError(
      `archive looks like a zip bomb: ${packedBytes} bytes unpack to ${unpackedBytes} (ratio above ${MAX_RATIO}:1)`,
    );
  }
}
