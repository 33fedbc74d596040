// Decoding of text bodies: the charset from the Content-Type header, else from a BOM, <meta> or the
// XML declaration, else the caller's default. Undecodable bytes become U+FFFD (pages, not game files).
import iconv from 'iconv-lite';

const SNIFF_BYTES = 4096;

/** The media type of a Content-Type header: lower-cased, without parameters. */
export function mediaType(header: string | undefined, fallback = 'text/plain'): string {
  const type = header?.split(';')[0].trim().toLowerCase();
  return type || fallback;
}

function charsetParameter(header: string | undefined): string | null {
  const match = header && /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header);
  return match ? match[1] : null;
}

function sniffCharset(body: Buffer): string | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  const head = body.subarray(0, SNIFF_BYTES).toString('latin1');
  const match =
    /<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)/i.exec(head) ??
    /^\s*<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)["']/i.exec(head);
  return match ? match[1] : null;
}

export interface Decoded {
  text: string;
  charset: string;
}

export function decodeBody(body: Buffer, contentTypeHeader: string | undefined, fallback: string): Decoded {
  for (const candidate of [charsetParameter(contentTypeHeader), sniffCharset(body), fallback, 'utf-8']) {
    if (candidate && iconv.encodingExists(candidate)) return { text: iconv.decode(body, candidate), charset: candidate.toLowerCase() };
  }
  return { text: iconv.decode(body, 'utf-8'), charset: 'utf-8' };
}
