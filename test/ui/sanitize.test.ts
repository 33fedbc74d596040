import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeLine, sanitizeLines } from '../../src/text/terminal.ts';
import { fit, fitWithSuffix, hardWrap, truncate, widthOf } from '../../src/ui/text.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('sanitizeLine', () => {
  test('removes CSI colour and cursor sequences, 7-bit and 8-bit', () => {
    assert.equal(sanitizeLine('a\u001b[31mred\u001b[0m\u001b[2J\u009b1;1Hb'), 'aredb');
  });

  test('removes OSC 52 clipboard writes and OSC 8 links, with BEL or ST terminators', () => {
    const text = 'x\u001b]52;c;SGVsbG8=\u0007y\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\z\u009d0;title\u009c!';
    assert.equal(sanitizeLine(text), 'xylinkz!');
  });

  test('makes carriage return, backspace and BEL visible instead of letting them act', () => {
    assert.equal(sanitizeLine('50%\r100%\bx\u0007'), '50%␍100%␈x␇');
  });

  test('drops bidi overrides and isolates (Trojan Source)', () => {
    assert.equal(sanitizeLine('abc\u202edcba\u202c \u2066x\u2069'), 'abcdcba x');
  });

  test('shows newlines as ⏎ and tabs as a space, so one value stays one line', () => {
    assert.equal(sanitizeLine('a\nb\r\nc\td'), 'a⏎b⏎c d');
  });

  test('leaves Cyrillic, CJK and emoji alone and stringifies non-strings', () => {
    assert.equal(sanitizeLine('Кащей 漢字 👩‍👩‍👧'), 'Кащей 漢字 👩‍👩‍👧');
    assert.equal(sanitizeLine(42), '42');
    assert.equal(sanitizeLine(null), '');
  });

  test('never lets a control character or escape through, whatever the input', () => {
    let all = '';
    for (let c = 0; c < 0x100; c++) all += String.fromCharCode(c) + 'x';
    all += '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    assert.doesNotMatch(sanitizeLine(all), CONTROL);
    for (const line of sanitizeLines(all)) assert.doesNotMatch(line, CONTROL);
  });
});

describe('sanitizeLines', () => {
  test('splits stacks into lines and expands tabs', () => {
    assert.deepEqual(sanitizeLines('Error: x\r\n\tat f (a.ts:1)\n\u001b[31mred'), ['Error: x', '  at f (a.ts:1)', 'red']);
  });
});

describe('width-aware fitting', () => {
  const samples = ['Кащей Бессмертный и все-все-все', '漢字かなカナ漢字かなカナ', '👩‍👩‍👧 family 🎉🎉🎉🎉', 'plain ascii text', ''];

  test('fit returns exactly the width for Cyrillic, CJK and emoji', () => {
    for (const s of samples) for (const w of [1, 2, 3, 5, 8, 13]) assert.equal(widthOf(fit(s, w)), w, `${s} in ${w}`);
  });

  test('truncate marks the cut with … and never exceeds the width', () => {
    assert.equal(truncate('Перекрёсток', 6), 'Перек…');
    for (const s of samples) assert.ok(widthOf(truncate(s, 7)) <= 7);
    assert.equal(truncate('short', 10), 'short');
  });

  test('fit pads on the left for right alignment', () => {
    assert.equal(fit('42', 5, 'right'), '   42');
  });

  test('fitWithSuffix keeps the suffix visible', () => {
    const out = fitWithSuffix('import-force-update-urls', ' ‖ paused', 20);
    assert.equal(widthOf(out), 20);
    assert.ok(out.endsWith(' ‖ paused'));
  });

  test('hardWrap splits by grapheme into rows no wider than the width', () => {
    const rows = hardWrap('漢字かなカナ漢字', 5);
    assert.deepEqual(rows, ['漢字', 'かな', 'カナ', '漢字']);
    for (const r of hardWrap('Кащей Бессмертный', 4)) assert.ok(widthOf(r) <= 4);
  });
});
