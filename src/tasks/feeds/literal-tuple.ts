// A tokenizer for the argument list of urq.borda.ru's `ubb(...)` calls: a tuple of quoted strings
// and numbers, read the way Python's literal_eval read it — without ever evaluating anything.

export type LiteralValue = string | bigint | number;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

class TupleReader {
  private at = 0;
  constructor(private readonly source: string) {}

  fail(what: string): never {
    throw new Error(`${what} at offset ${this.at}`);
  }

  skipSpace(): void {
    while (this.at < this.source.length && /\s/.test(this.source[this.at])) this.at++;
  }

  expect(char: string): void {
    this.skipSpace();
    if (this.source[this.at] !== char) this.fail(`expected "${char}"`);
    this.at++;
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.source[this.at];
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.at >= this.source.length;
  }

  value(): LiteralValue {
    const char = this.peek();
    if (char === "'" || char === '"') return this.string(char);
    if (char !== undefined && /[-+\d.]/.test(char)) return this.number();
    return this.fail(char === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(char)}`);
  }

  private number(): bigint | number {
    const match = /^[-+]?(?:\d+(\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)/.exec(this.source.slice(this.at));
    if (!match) return this.fail('bad number');
    this.at += match[0].length;
    const text = match[0];
    if (/^[-+]?\d+$/.test(text)) return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text.replace(/^\+/, ''));
    return Number(text);
  }

  private string(quote: string): string {
    this.at++;
    let out = '';
    for (;;) {
      if (this.at >= this.source.length) this.fail('unterminated string');
      const char = this.source[this.at++];
      if (char === quote) return out;
      if (char === '\n' || char === '\r') this.fail('newline in string');
      if (char !== '\\') {
        out += char;
        continue;
      }
      out += this.escape();
    }
  }

  private escape(): string {
    const char = this.source[this.at++];
    if (char === undefined) return this.fail('unterminated string');
    if (char in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[char];
    if (char === '\n') return '';
    if (/[0-7]/.test(char)) {
      const octal = /^[0-7]{0,2}/.exec(this.source.slice(this.at))![0];
      this.at += octal.length;
      return String.fromCodePoint(parseInt(char + octal, 8));
    }
    const hexLength = char === 'x' ? 2 : char === 'u' ? 4 : char === 'U' ? 8 : 0;
    if (hexLength === 0) return '\\' + char;
    const hex = this.source.slice(this.at, this.at + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) this.fail(`bad \\${char} escape`);
    this.at += hexLength;
    const codePoint = parseInt(hex, 16);
    if (codePoint > 0x10ffff) this.fail(`bad \\${char} escape`);
    return String.fromCodePoint(codePoint);
  }
}

/** Reads `( value, value, ... )` (a trailing comma allowed) and nothing else. */
export function parseLiteralTuple(source: string): LiteralValue[] {
  const reader = new TupleReader(source);
  const values: LiteralValue[] = [];
  reader.expect('(');
  while (reader.peek() !== ')') {
    values.push(reader.value());
    if (reader.peek() === ',') reader.expect(',');
    else if (reader.peek() !== ')') reader.fail('expected "," or ")"');
  }
  reader.expect(')');
  if (!reader.atEnd()) reader.fail('text after the closing ")"');
  return values;
}

/** Python's int(value) for what the tuple holds: integer strings (spaces, sign), ints, floats truncated. */
export function literalToInt(value: LiteralValue): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? BigInt(Math.trunc(value)) : null;
  const match = /^\s*([-+]?)(\d+)\s*$/.exec(value);
  if (!match) return null;
  return match[1] === '-' ? -BigInt(match[2]) : BigInt(match[2]);
}

/** Python's str() of a tuple value, as stored in item_id. */
export function literalToText(value: LiteralValue): string {
  return typeof value === 'number' && Number.isInteger(value) ? value.toFixed(1) : String(value);
}
