// Strict cp1251 decoding for URQ .qst files: a byte cp1251 does not define (0x98) is an error,
// as in legacy, because a silently replaced character would change the game's text.
import iconv from 'iconv-lite';
import { PermanentError } from '../../runner/errors.ts';

export function decodeCp1251Strict(bytes: Buffer, what: string): string {
  const text = iconv.decode(bytes, 'windows-1251', { stripBOM: false });
  // single-byte encoding: the character index is the byte offset
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const hex = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
    throw new PermanentError(`${what} is not valid cp1251: byte 0x${hex} at offset ${bad} is undefined in cp1251`);
  }
  return text;
}
