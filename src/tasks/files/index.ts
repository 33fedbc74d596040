// File store naming shared by the IFDB tasks.
export { candidateNames, MAX_NAME_CHARS, placeFile, temporaryPath } from './allocate.ts';
export { FALLBACK_NAME, lastExtension, safeBaseName, splitExtension, urlLastSegment, withoutControls } from './safe-name.ts';
export { encodeStoredName, resolveStored, storeDir, storeUrl, type StoreName } from './store.ts';
