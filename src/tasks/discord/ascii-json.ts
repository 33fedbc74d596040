// JSON the way Python's json.dumps wrote the legacy webhook body: every non-ASCII character as \uXXXX.

// Node has JSON.rawJSON (V8 11.4+); the ES2023 lib typings do not declare it yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A JSON string literal with non-ASCII and DEL escaped as lower-case \uXXXX (UTF-16 units, as Python). */
export function asciiStringLiteral(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (unit) => '\\u' + unit.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * The same value with every string pre-serialised as an ASCII literal, so that any JSON.stringify
 * (the HTTP client's included) writes a pure-ASCII body; key order is kept.
 */
export function withAsciiStrings(value: unknown): unknown {
  if (typeof value === 'string') return rawJSON(asciiStringLiteral(value));
  if (Array.isArray(value)) return value.map(withAsciiStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withAsciiStrings(entry)]));
  }
  return value;
}
