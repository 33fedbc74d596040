// File store naming shared by the IFDB tasks.
export { candidateNames, MAX_NAME_CHARS, placeFile, temporaryPath } from './allocate.ts';
export { FALLBACK_NAME, lastExtension, safeBaseName, splitExtension, urlLastSegment, withoutControls } from './safe-name.ts';
export { encodeStoredName, resolveStored, storeDir, storeUrl, type StoreName } from './store.ts';
export { makeDirectory, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, PUBLISHED_DIR_MODE, PUBLISHED_FILE_MODE } from './modes.ts';
export { PART_FILE, staleAfterMs, sweepTemporaries, type SweepReport } from './sweep.ts';
