// Moves a finished temporary file into a store under a free name, never overwriting: the name is
// reserved with O_EXCL first, then the temporary file is renamed over the reservation.
import { randomBytes, randomInt } from 'node:crypto';
import { chmod, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PUBLISHED_FILE_MODE } from './modes.ts';
import { splitExtension } from './safe-name.ts';

export const MAX_NAME_CHARS = 64;
const MAX_NAME_BYTES = 255;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAX_TRIES = 100;

export interface PlaceOptions {
  /** extra condition a name must meet, e.g. its public URL fits the database column */
  fits?: (name: string) => boolean;
  /** the placed file's permissions, set whatever the umask (default: readable by the web server) */
  mode?: number;
}

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 7; i++) out += SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)];
  return out;
}

/** A temporary name in the store's directory: hidden, so no stored (sanitised) name can equal it. */
export function temporaryPath(dir: string): string {
  return path.join(dir, `.ifqueue-${randomBytes(8).toString('hex')}.part`);
}

/** Candidate names in IFDB's order: the wanted name, then `<root>_<7 random><ext>` with the root cut to fit. */
export function* candidateNames(wanted: string, fits: (name: string) => boolean): Generator<string> {
  if (fits(wanted)) yield wanted;
  const { root, ext } = splitExtension(wanted);
  const chars = [...root];
  for (let i = 0; i < MAX_TRIES; i++) {
    const suffix = randomSuffix();
    let cut = chars.length;
    let name = `${chars.slice(0, cut).join('')}_${suffix}${ext}`;
    while (!fits(name) && cut > 0) name = `${chars.slice(0, --cut).join('')}_${suffix}${ext}`;
    if (!fits(name)) throw new Error(`no name fits for "${wanted}" (its extension is too long)`);
    yield name;
  }
}

/** Renames `temporaryFile` into `dir` under the first free candidate name and returns that name. */
export async function placeFile(dir: string, wanted: string, temporaryFile: string, options: PlaceOptions = {}): Promise<string> {
  const fits = (name: string) =>
    [...name].length <= MAX_NAME_CHARS && Buffer.byteLength(name) <= MAX_NAME_BYTES && (options.fits?.(name) ?? true);
  for (const name of candidateNames(wanted, fits)) {
    const target = path.join(dir, name);
    let reservation;
    try {
      reservation = await open(target, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await reservation.close();
    try {
      await rename(temporaryFile, target);
      await chmod(target, options.mode ?? PUBLISHED_FILE_MODE);
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
    return name;
  }
  throw new Error(`no free name for "${wanted}" in ${dir} after ${MAX_TRIES} tries`);
}
